// The forward convolution's store with an epilogue: what would otherwise be separate elementwise
// passes over the output (each ~1 ms per big activation on lavapipe) is applied to the
// accumulators before they are written:
//   v = acc + bias                                   (bias)
//   v = (v − center)·scale + offset                  (affine: an inference batchnorm, per channel)
//   v = v + residual                                 (residual: a shortcut of the output's shape)
//   v = max(v, 0)                                    (relu)
// The affine uses batchnorm's coefficient layout [center; scale; offset] (3 × Cout) and the same
// arithmetic as the batchnorm kernel, so fused and unfused outputs agree to rounding.
import { lanes, storeBindings, type StoreVariant } from './matmul.js';

export interface EpilogueVariant extends StoreVariant {
  affine: boolean;
  residual: boolean;
  relu: boolean;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** y at `firstSlot`, then bias, coef and residual for the parts present, in that order. */
export function epilogueBindings(firstSlot: number, v: EpilogueVariant): string {
  let slot = firstSlot + (v.bias ? 2 : 1);
  const lines = [storeBindings(firstSlot, v)];
  if (v.affine) lines.push(`@group(0) @binding(${slot++}) var<storage, read> coef: array<f32>;`);
  if (v.residual) lines.push(`@group(0) @binding(${slot++}) var<storage, read> residual: array<${v.yVec4 ? 'vec4<f32>' : 'f32'}>;`);
  return lines.join('\n');
}

/**
 * Writes acc_r (rows row0 + r below mExpr, columns col4·4.. below nExpr) through the epilogue.
 * Params fields: yStride, yBase, biasBase. Never accumulates into y (the forward does not).
 */
export function epilogueStore(rows: number, v: EpilogueVariant, mExpr: string, nExpr: string): string {
  const perColumn = (at: (j: number) => string) => `vec4<f32>(${range(4).map(at).join(', ')})`;
  const setup = [
    v.bias ? `  let bv = ${perColumn((j) => `bias[p.biasBase + c${j}]`)};` : '  let bv = vec4<f32>(0.0);',
    ...(v.affine
      ? [
          `  let center = ${perColumn((j) => `coef[c${j}]`)};`,
          `  let scale = ${perColumn((j) => `coef[${nExpr} + c${j}]`)};`,
          `  let offset = ${perColumn((j) => `coef[2 * (${nExpr}) + c${j}]`)};`,
        ]
      : []),
  ];
  const value = (r: number) => [`      var v = acc${r} + bv;`, ...(v.affine ? ['      v = fma(v - center, scale, offset);'] : [])].join('\n');
  const columnsOk = v.yVec4 ? `col4 < (${nExpr}) / 4` : `col4 * 4 < ${nExpr}`;
  const body = range(rows).map((r) => {
    if (v.yVec4) {
      return `    if (row0 + ${r} < ${mExpr}) {
      let yi = (p.yBase + (row0 + ${r}) * p.yStride) / 4 + col4;
${value(r)}
${v.residual ? '      v += residual[yi];' : ''}
${v.relu ? '      v = max(v, vec4<f32>(0.0));' : ''}
      y[yi] = v;
    }`;
    }
    const lane = (j: number) => {
      const steps = [`var o = v.${lanes[j]};`, v.residual ? `o += residual[yr + ${j}];` : '', v.relu ? 'o = max(o, 0.0);' : '', `y[yr + ${j}] = o;`];
      return `      if (col4 * 4 + ${j} < ${nExpr}) { ${steps.filter((t) => t).join(' ')} }`;
    };
    return `    if (row0 + ${r} < ${mExpr}) {
      let yr = p.yBase + (row0 + ${r}) * p.yStride + col4 * 4;
${value(r)}
${range(4).map(lane).join('\n')}
    }`;
  });
  return [...setup, `  if (${columnsOk}) {`, ...body, '  }'].join('\n');
}

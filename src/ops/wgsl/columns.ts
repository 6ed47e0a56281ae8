// The input gradient of a convolution through its columns (used where dX has few channels, an
// image's first layer: conv2d-columns.ts says why): dCols = dY·Wᵀ is a GEMM, and this kernel
// folds the columns back onto the input ("col2im"), one invocation per dX element summing the taps
// that read it. No atomics: each element gathers its own sum.
import { flatKernelMain } from '../../tensor/flat-kernel.js';

/**
 * Bindings: cols [images·OH·OW, KH·KW·Cin] (float offset colsBase), dx [images, H, W, Cin]
 * (float offset dxBase). n = images·H·W·Cin. Undilated (`unitDilation`), the taps that reach a
 * pixel are every stride-th from one found by a single division per axis, their output rows
 * consecutive: integer division is scalarised per lane on lavapipe, and testing all KH·KW taps
 * (two divisions each) made this pass cost 17 ms of a 7×7/2 stem's 27 (ResNet50V2 at 224).
 */
export function columnsToImageKernel(unitDilation: boolean): string {
  // One axis' taps: ky (or kx) and the output row oy (or ox) it reads, for pixel coordinate `i`.
  const taps = (k: string, o: string, i: string, pad: string, s: string, d: string, K: string, O: string, body: string) =>
    unitDilation
      ? `var ${k} = (${i} + ${pad}) % ${s};
    var ${o} = (${i} + ${pad}) / ${s};
    for (; ${k} < ${K} && ${o} >= 0; ${k} += ${s}) {
      if (${o} < ${O}) {
        ${body}
      }
      ${o} -= 1;
    }`
      : `for (var ${k} = 0; ${k} < ${K}; ${k}++) {
      let t${k} = ${i} + ${pad} - ${k} * ${d};
      if (t${k} < 0 || t${k} % ${s} != 0 || t${k} / ${s} >= ${O}) { continue; }
      let ${o} = t${k} / ${s};
      ${body}
    }`;
  const read = 's += cols[p.colsBase + ((img * p.OH + oy) * p.OW + ox) * row + (ky * p.KW + kx) * p.Cin + ci];';
  return /* wgsl */ `
struct Params {
  n: i32, H: i32, W: i32, Cin: i32, OH: i32, OW: i32, KH: i32, KW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, colsBase: i32, dxBase: i32
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> cols: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${flatKernelMain(`let ci = i % p.Cin;
  let ix = (i / p.Cin) % p.W;
  let iy = (i / (p.Cin * p.W)) % p.H;
  let img = i / (p.Cin * p.W * p.H);
  let row = p.KH * p.KW * p.Cin;
  var s = 0.0;
  ${taps('ky', 'oy', 'iy', 'p.pt', 'p.sh', 'p.dh', 'p.KH', 'p.OH', taps('kx', 'ox', 'ix', 'p.pl', 'p.sw', 'p.dw', 'p.KW', 'p.OW', read))}
  dx[p.dxBase + i] = s;`)}`;
}

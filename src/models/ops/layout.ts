// Ops that rearrange a tensor: transpose (permute axes) and slice.
import { fmt, ShapeError, type Shape } from '../../tensor/index.js';
import { slice } from '../../ops/slice.js';
import { transpose } from '../../ops/transpose.js';
import { anyInputNegative, CANDIDATE, unguided, type NodeOf, type OpDescriptor } from '../op-descriptor.js';
import { opLabel } from './shape-rules.js';

export const transposeOp: OpDescriptor<NodeOf<'transpose'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    const p = node.attrs.perm;
    const ok = p.length === x.length && [...p].sort((a, b) => a - b).every((v, i) => v === i) && p[0] === 0;
    if (!ok) throw new ShapeError(opLabel(node), `a permutation of 0..${x.length - 1} that keeps the batch first`, `[${p.join(', ')}] for ${fmt(x)}`);
    return p.map((a) => x[a]);
  },
  evaluate: (node, [x]) => transpose(x, node.attrs.perm),
  negative: anyInputNegative,
  roles: CANDIDATE,
  guided: unguided,
};

/** Output length along one axis of size `dim`, with ONNX Slice's clamping (as ops/slice.ts). */
function sliceLength(dim: number, start: number, end: number, step: number): number {
  const wrap = (v: number) => (v < 0 ? v + dim : v);
  const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const s = step > 0 ? clampTo(wrap(start), 0, dim) : clampTo(wrap(start), 0, dim - 1);
  const e = step > 0 ? clampTo(wrap(end), 0, dim) : clampTo(wrap(end), -1, dim - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}

export const sliceOp: OpDescriptor<NodeOf<'slice'>> = {
  arity: [1, 1],
  shape(node, [x]) {
    const { starts, ends, axes, steps } = node.attrs;
    const out: number[] = [...x];
    axes.forEach((a, i) => {
      const axis = a < 0 ? a + x.length : a;
      if (!(axis >= 1 && axis < x.length) || steps[i] === 0) {
        throw new ShapeError(
          opLabel(node),
          `axes in 1..${x.length - 1} (not the batch) and non-zero steps`,
          `axes [${axes.join(', ')}], steps [${steps.join(', ')}]`,
        );
      }
      out[axis] = sliceLength(x[axis], starts[i], ends[i], steps[i]);
    });
    if (out.some((d) => d === 0)) throw new ShapeError(opLabel(node), 'a non-empty slice', fmt(out));
    return out as Shape;
  },
  evaluate: (node, [x]) => slice(x, node.attrs),
  negative: anyInputNegative,
  roles: { ...CANDIDATE, target: 'pass-through' },
  guided: unguided,
};

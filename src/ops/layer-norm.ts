// Layer normalization over the trailing axes from `axis` (default the last: channels in NHWC, as
// ConvNeXt, ONNX LayerNormalization and Keras LayerNormalization use it), with optional γ and β
// of the normalized size. Gradients for x, γ and β.
import { dispatch, empty, fmt, groupsFor, recordOp, ShapeError, sizeOf, type Tensor } from '../tensor/index.js';
import { sumAxes } from './reduce.js';
import { layerNormForward, layerNormGammaTerms, layerNormInputGrad } from './wgsl/layer-norm.js';

export interface LayerNormOptions {
  gamma?: Tensor;
  beta?: Tensor;
  /** First normalized axis; default -1. */
  axis?: number;
  /** Default 1e-5 (ONNX, PyTorch); Keras uses 1e-3, ConvNeXt 1e-6. */
  epsilon?: number;
}

const OP = 'layerNorm';

export function layerNorm(x: Tensor, opts: LayerNormOptions = {}): Tensor {
  const axis = opts.axis ?? -1;
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= x.rank) throw new ShapeError(OP, `an axis in [${-x.rank}, ${x.rank - 1}]`, `axis ${axis} for ${fmt(x.shape)}`);
  const cols = sizeOf(x.shape.slice(ax));
  const rows = sizeOf(x.shape.slice(0, ax));
  const { gamma, beta } = opts;
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t && t.size !== cols) throw new ShapeError(OP, `${name} of ${cols} values (the normalized axes of ${fmt(x.shape)})`, `${name} ${fmt(t.shape)}`);
  }
  const epsilon = opts.epsilon ?? 1e-5;
  if (!(epsilon >= 0)) throw new ShapeError(OP, 'epsilon >= 0', `${epsilon}`);
  const y = empty(x.shape);
  const stats = empty([rows, 2]);
  const extra = [gamma, beta].filter((t): t is Tensor => !!t).map((t) => t.buffer);
  if (cols > 0) {
    dispatch({
      wgsl: layerNormForward({ gamma: !!gamma, beta: !!beta }),
      bindings: [x.buffer, y.buffer, stats.buffer, ...extra],
      ints: [rows, cols],
      floats: [epsilon],
      workgroups: groupsFor(rows, 256),
      flops: 5 * x.size,
    });
  }
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const rowAxes = x.shape.slice(0, ax).map((_, i) => i);
  recordOp({
    kind: 'layerNorm',
    inputs,
    output: y,
    saved: [x, stats, ...(gamma ? [gamma] : [])],
    backward: (gy, { needs }) => {
      const grads: (Tensor | null)[] = inputs.map(() => null);
      if (needs[0]) {
        const gx = empty(x.shape);
        dispatch({
          wgsl: layerNormInputGrad(!!gamma),
          bindings: [x.buffer, gy.buffer, stats.buffer, gx.buffer, ...(gamma ? [gamma.buffer] : [])],
          ints: [rows, cols],
          floats: [epsilon],
          workgroups: groupsFor(rows, 256),
          flops: 8 * x.size,
        });
        grads[0] = gx;
      }
      if (gamma && needs[1]) {
        const terms = empty(x.shape);
        const bindings = [x.buffer, gy.buffer, stats.buffer, terms.buffer];
        dispatch({ wgsl: layerNormGammaTerms, bindings, ints: [x.size, cols], floats: [epsilon], workgroups: groupsFor(x.size, 256), flops: 3 * x.size });
        grads[1] = sumAxes(terms, rowAxes, 1, gamma.shape);
        terms.dispose();
      }
      if (beta && needs[inputs.length - 1]) grads[inputs.length - 1] = sumAxes(gy, rowAxes, 1, beta.shape);
      return grads;
    },
  });
  stats.dispose();
  return y;
}

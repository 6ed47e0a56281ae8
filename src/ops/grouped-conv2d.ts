// Grouped and depthwise 2-D convolution (NHWC; filter [KH, KW, Cin/groups, Cout], the HWIO layout
// with each group's input channels; TF's depthwise [KH, KW, Cin, multiplier] is the same memory
// with groups = Cin). groups = 1 is conv2d. The geometry and its checks are conv2d's (computed for
// one group's channels); kernels in wgsl/grouped-conv2d.ts. The forward store fuses
// bias, a folded inference batchnorm, a residual and an activation (ReLU6, SiLU, hard-swish, …):
// MobileNet's depthwise + BN + ReLU6 is one pass. While recording, the activation runs as its own
// op so its backward overrides (guided ReLU/ReLU6) apply.
import { dispatch, empty, fmt, groupsFor, isRecording, recordOp, ShapeError, type Tensor } from '../tensor/index.js';
import { activationParams, applyActivation, type FusedActivation } from './activations.js';
import { sumToChannels } from './arithmetic.js';
import { scaleChannels } from './batchnorm.js';
import { conv2d, convGeometry, imageChunks, type Conv2dOptions, type ConvGeometry } from './conv2d.js';
import { windowOf } from './matmul.js';
import { sumAxes } from './reduce.js';
import { reshape } from './reshape.js';
import { DEPTHWISE_COLS, FILTER_GRAD_CHUNK, groupedFilterGradKernel, groupedForwardKernel, groupedInputGradKernel } from './wgsl/grouped-conv2d.js';

export interface GroupedConv2dOptions extends Omit<Conv2dOptions, 'epilogue'> {
  /** Cin and Cout must both be multiples of it; default 1 (a dense conv2d). */
  groups?: number;
  epilogue?: GroupedConvEpilogue;
}

/** act(((x ⊛ w + bias) − center)·scale + offset + residual), each part optional, in this order. */
export interface GroupedConvEpilogue {
  /** [3, Cout] = [center; scale; offset]: a folded inference batchnorm (no gradient). */
  affine?: Tensor;
  /** The output's shape, added after the affine. */
  residual?: Tensor;
  activation?: FusedActivation;
}

interface Geometry extends ConvGeometry {
  groups: number;
  cinG: number;
  coutG: number;
  /** Depthwise with one output per input channel and channels a multiple of 4: vec4 kernels. */
  vec4: boolean;
  /** Otherwise groups of a multiple of 4 input and output channels: forward and input gradient run on channel quads. */
  grouped4: boolean;
}

const OP = 'groupedConv2d';

function geometry(x: Tensor, w: Tensor, groups: number, opts: GroupedConv2dOptions): Geometry {
  if (!Number.isInteger(groups) || groups < 1) throw new ShapeError(OP, 'groups a positive integer', `${groups}`);
  const given = `x ${fmt(x.shape)}, filter ${fmt(w.shape)}`;
  if (x.rank !== 4 || w.rank !== 4) throw new ShapeError(OP, 'x [N, H, W, Cin] and filter [KH, KW, Cin/groups, Cout]', given);
  const [KH, KW, cinG, Cout] = w.shape;
  const Cin = x.shape[3];
  if (Cin % groups !== 0 || Cout % groups !== 0 || cinG * groups !== Cin) {
    throw new ShapeError(OP, `filter [${KH}, ${KW}, ${Cin / groups}, Cout] with Cin ${Cin} and Cout multiples of groups ${groups}`, given);
  }
  const { epilogue, ...rest } = opts;
  // conv2d's geometry for one group's input channels: the real filter, so its size checks hold.
  const [N, H, W] = x.shape;
  const conv = { ...convGeometry([N, H, W, cinG], w.shape, { ...rest, epilogue: { affine: epilogue?.affine, residual: epilogue?.residual } }), Cin };
  const coutG = Cout / groups;
  const vec4 = cinG === 1 && coutG === 1 && Cout % 4 === 0;
  return { ...conv, groups, cinG, coutG, vec4, grouped4: !vec4 && cinG % 4 === 0 && coutG % 4 === 0 };
}

/** Chunk offsets (xBase, yBase, zBase) are in T units: floats, or vec4s for the lane kernels. */
function ints(g: Geometry, n: number, pixels: number, bases: [number, number, number]): number[] {
  return [
    n,
    g.H,
    g.W,
    g.Cin,
    g.OH,
    g.OW,
    g.Cout,
    g.KH,
    g.KW,
    g.strides[0],
    g.strides[1],
    g.dilations[0],
    g.dilations[1],
    g.pad.top,
    g.pad.left,
    g.cinG,
    g.coutG,
    pixels,
    FILTER_GRAD_CHUNK,
    ...bases.map((v) => v / lanes(g)),
  ];
}

/** Floats per lane of the kernels: vec4 for depthwise and for channel quads (filter gradient: depthwise only). */
const lanes = (g: Geometry) => (g.vec4 || g.grouped4 ? 4 : 1);

const floatsPer = (g: Geometry) => ({ x: g.H * g.W * g.Cin, y: g.OH * g.OW * g.Cout });

function forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | undefined, epilogue: GroupedConvEpilogue): Tensor {
  const y = empty([g.batch, g.OH, g.OW, g.Cout]);
  const { affine, residual, activation } = epilogue;
  const wgsl = groupedForwardKernel({ vec4: g.vec4, grouped4: g.grouped4, bias: !!bias, affine: !!affine, residual: !!residual, activation: activation?.kind });
  const [alpha, beta] = activation ? activationParams(activation) : [0, 0];
  const per = floatsPer(g);
  for (const [n0, n1] of imageChunks(g, [per.x, per.y])) {
    const images = n1 - n0;
    // vec4 depthwise: one invocation per 4 channels × DEPTHWISE_COLS output columns; quads: per 4 channels.
    const n = g.vec4 ? images * g.OH * Math.ceil(g.OW / DEPTHWISE_COLS) * (g.Cout / 4) : (images * per.y) / (g.grouped4 ? 4 : 1);
    const xw = windowOf(x.buffer, n0 * per.x, n1 * per.x);
    const yw = windowOf(y.buffer, n0 * per.y, n1 * per.y);
    // The residual has y's shape, so the same window puts it at the same base.
    const extra = [bias?.buffer, affine?.buffer, residual ? windowOf(residual.buffer, n0 * per.y, n1 * per.y).binding : undefined];
    dispatch({
      wgsl,
      bindings: [xw.binding, w.buffer, yw.binding, ...extra.filter((b) => b !== undefined)],
      ints: ints(g, n, 0, [xw.base, yw.base, 0]),
      floats: [alpha, beta],
      workgroups: groupsFor(n, 256),
      flops: 2 * images * per.y * g.KH * g.KW * g.cinG,
    });
  }
  return y;
}

function inputGradient(g: Geometry, gy: Tensor, w: Tensor): Tensor {
  const gx = empty([g.batch, g.H, g.W, g.Cin]);
  const per = floatsPer(g);
  for (const [n0, n1] of imageChunks(g, [per.x, per.y])) {
    const images = n1 - n0;
    const n = g.vec4 ? images * g.H * Math.ceil(g.W / DEPTHWISE_COLS) * (g.Cin / 4) : (images * per.x) / (g.grouped4 ? 4 : 1);
    const gxw = windowOf(gx.buffer, n0 * per.x, n1 * per.x);
    const gyw = windowOf(gy.buffer, n0 * per.y, n1 * per.y);
    dispatch({
      wgsl: groupedInputGradKernel(g.vec4, g.grouped4),
      bindings: [gyw.binding, w.buffer, gxw.binding],
      ints: ints(g, n, 0, [gxw.base, gyw.base, 0]),
      floats: [0, 0],
      workgroups: groupsFor(n, 256),
      flops: 2 * images * per.y * g.KH * g.KW * g.cinG,
    });
  }
  return gx;
}

function filterGradient(g: Geometry, x: Tensor, gy: Tensor, wShape: readonly number[]): Tensor {
  const filterSize = g.KH * g.KW * g.cinG * g.Cout;
  const per = floatsPer(g);
  const parts = imageChunks(g, [per.x, per.y]).map(([n0, n1]) => ({ n0, n1, chunks: Math.max(1, Math.ceil(((n1 - n0) * g.OH * g.OW) / FILTER_GRAD_CHUNK)) }));
  // Partial sums of every image chunk's pixel chunks, one row each, then one reduction over rows.
  const partial = empty([parts.reduce((t, q) => t + q.chunks, 0), filterSize]);
  // The filter gradient has vec4 kernels for depthwise only.
  const filterLanes = g.vec4 ? 4 : 1;
  const gs = { ...g, grouped4: false };
  let row = 0;
  for (const { n0, n1, chunks } of parts) {
    const n = (chunks * filterSize) / filterLanes;
    const xw = windowOf(x.buffer, n0 * per.x, n1 * per.x);
    const gyw = windowOf(gy.buffer, n0 * per.y, n1 * per.y);
    dispatch({
      wgsl: groupedFilterGradKernel(g.vec4),
      bindings: [xw.binding, gyw.binding, partial.buffer],
      ints: ints(gs, n, (n1 - n0) * g.OH * g.OW, [xw.base, gyw.base, row * filterSize]),
      floats: [0, 0],
      workgroups: groupsFor(n, 256),
      flops: 2 * (n1 - n0) * per.y * g.KH * g.KW * g.cinG,
    });
    row += chunks;
  }
  const gw = sumAxes(partial, [0], 1, wShape);
  partial.dispose();
  return gw;
}

/**
 * Grouped convolution x [N, H, W, Cin] ⊛ w [KH, KW, Cin/groups, Cout] → [N, OH, OW, Cout]. Gradients
 * for the input, the filter, the bias and the residual.
 */
export function groupedConv2d(x: Tensor, w: Tensor, opts: GroupedConv2dOptions = {}): Tensor {
  const groups = opts.groups ?? 1;
  const { bias, epilogue = {} } = opts;
  const g = geometry(x, w, groups, opts);
  const { affine, residual, activation } = epilogue;
  if (groups === 1) {
    // conv2d fuses ReLU only; another activation follows as its own op.
    const fusedRelu = activation?.kind === 'relu';
    const z = conv2d(x, w, { ...opts, epilogue: { affine, residual, relu: fusedRelu } });
    if (!activation || fusedRelu) return z;
    const y = applyActivation(activation, z);
    z.dispose();
    return y;
  }
  const inputs = [x, w, ...(bias ? [bias] : []), ...(affine ? [affine] : []), ...(residual ? [residual] : [])];
  const recorded = isRecording() && inputs.some((t) => t.requiresGrad);
  if (recorded && affine?.requiresGrad) throw new Error(`${OP}: the epilogue affine takes no gradient; fold a batchnorm only when its parameters need none`);
  if (recorded && activation) {
    const z = groupedConv2d(x, w, { ...opts, epilogue: { affine, residual } });
    const y = applyActivation(activation, z);
    z.dispose();
    return y;
  }
  const y = forward(g, x, w, bias, epilogue);
  const biasAt = bias ? 2 : -1;
  const residualAt = residual ? inputs.length - 1 : -1;
  recordOp({
    kind: 'groupedConv2d',
    inputs,
    output: y,
    saved: [...(w.requiresGrad ? [x] : []), ...(x.requiresGrad ? [w] : []), ...(affine ? [affine] : [])],
    backward: (gy, { needs }) => {
      const grads: (Tensor | null)[] = inputs.map(() => null);
      const gz = affine && (needs[0] || needs[1] || (biasAt > 0 && needs[biasAt])) ? scaleChannels(gy, affine) : gy;
      if (needs[0]) grads[0] = inputGradient(g, gz, w);
      if (needs[1]) grads[1] = filterGradient(g, x, gz, w.shape);
      if (biasAt > 0 && needs[biasAt]) grads[biasAt] = sumToChannels(gz);
      if (residualAt > 0 && needs[residualAt]) grads[residualAt] = gy;
      if (gz !== gy) gz.dispose();
      return grads;
    },
  });
  return y;
}

/**
 * Depthwise convolution with TF's filter layout [KH, KW, Cin, multiplier] → Cout = Cin·multiplier
 * (output channel c·multiplier + m): groupedConv2d with groups = Cin on the same memory.
 */
export function depthwiseConv2d(x: Tensor, w: Tensor, opts: Omit<GroupedConv2dOptions, 'groups'> = {}): Tensor {
  if (x.rank !== 4 || w.rank !== 4 || w.shape[2] !== x.shape[3]) {
    throw new ShapeError('depthwiseConv2d', `x [N, H, W, C] and filter [KH, KW, C, multiplier] with the same C`, `x ${fmt(x.shape)}, filter ${fmt(w.shape)}`);
  }
  const [KH, KW, C, M] = w.shape;
  // The reshape copies the (small) filter, and carries its gradient back to [KH, KW, C, M].
  const view = reshape(w, [KH, KW, 1, C * M]);
  const y = groupedConv2d(x, view, { ...opts, groups: C });
  view.dispose();
  return y;
}

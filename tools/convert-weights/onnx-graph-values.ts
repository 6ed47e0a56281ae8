// The importer's bookkeeping: how each ONNX value is held in the graph, and the graph nodes it emits.
//
// An ONNX value is held in one of two layouts:
// - 'nhwc': a rank-4 ONNX tensor [N, C, H, W] held as the NHWC tensor [N, H, W, C] (feature maps);
// - 'rowmajor': a tensor whose row-major memory is exactly the ONNX tensor's, of any shape with the
//   same batch (e.g. [N, F] vectors, GlobalAveragePool's [N, C, 1, 1] held as [N, C]).
// When C = 1 or H·W = 1 both layouts have the same memory, so switching costs at most a reshape.
// NHWC → row-major is a channel-major flatten; row-major → NHWC a transpose node (none when the
// memory is identical).
import type { GraphNode } from '../../src/models/graph.js';
import { unsupported } from './onnx-graph-error.js';

export type Layout = 'nhwc' | 'rowmajor';

export interface Value {
  /** The graph node whose output holds the value. */
  node: string;
  /** ONNX shape; the batch is the input's (1 when the file leaves it symbolic). */
  onnx: number[];
  /** The graph tensor's shape. */
  ours: number[];
  layout: Layout;
}

export interface Parameter {
  shape: number[];
  data: Float32Array;
}

export const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
export const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function fmtDims(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/** NHWC shape of an ONNX [N, C, H, W]. */
export function nhwcOf(onnx: readonly number[]): number[] {
  return [onnx[0], onnx[2], onnx[3], onnx[1]];
}

/** Whether NCHW and NHWC order coincide for this rank-4 shape (one channel, or one pixel). */
export function layoutFree(onnx: readonly number[]): boolean {
  return onnx.length === 4 && (onnx[1] === 1 || onnx[2] * onnx[3] === 1);
}

/** [N, C, H, W] values in NHWC order. */
export function nchwToNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) y[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
    }
  }
  return y;
}

export class GraphEmitter {
  readonly nodes: GraphNode[] = [];
  readonly params = new Map<string, Parameter>();
  private readonly taken = new Set<string>();
  /** Constant nodes already emitted, by ONNX value name. */
  private readonly constants = new Map<string, Value>();

  /** Names to keep free for the file's own nodes, so helper nodes never take them. */
  constructor(reserved: Iterable<string>) {
    for (const name of reserved) this.taken.add(name);
  }

  /** `base` if free, else base_1, base_2, … */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }

  /** Appends a node; its name must come from fresh() or the reserved set. */
  push(node: GraphNode): string {
    this.nodes.push(node);
    return node.name;
  }

  param(node: string, kind: string, shape: number[], data: Float32Array): void {
    if (data.length !== product(shape)) throw new Error(`${node}/${kind}: ${data.length} values for shape ${fmtDims(shape)}`);
    this.params.set(`${node}/${kind}`, { shape, data });
  }

  /**
   * A 'constant' node holding an ONNX constant (emitted once per name): rank 4 as an NHWC feature
   * map like any other [N, C, H, W] value, other ranks row-major with their ONNX shape.
   */
  constant(onnxName: string, dims: readonly number[], data: Float32Array): Value {
    const known = this.constants.get(onnxName);
    if (known) return known;
    const nhwc = dims.length === 4;
    const ours = nhwc ? nhwcOf(dims) : [...dims];
    const name = this.push({ name: this.fresh(onnxName), op: 'constant', inputs: [], attrs: { shape: ours } });
    this.param(name, 'value', ours, nhwc ? nchwToNhwc(data, dims) : Float32Array.from(data));
    const v: Value = { node: name, onnx: [...dims], ours, layout: nhwc ? 'nhwc' : 'rowmajor' };
    this.constants.set(onnxName, v);
    return v;
  }

  /** A 'constant' node of exactly this graph shape, made by the importer (not read from the file). */
  derivedConstant(base: string, shape: number[], data: Float32Array): string {
    const name = this.push({ name: this.fresh(base), op: 'constant', inputs: [], attrs: { shape: [...shape] } });
    this.param(name, 'value', [...shape], Float32Array.from(data));
    return name;
  }

  /** The value with the ONNX row-major memory order; a channel-major flatten when it is NHWC. */
  asRowmajor(v: Value, base: string): Value {
    if (v.layout === 'rowmajor') return v;
    if (layoutFree(v.onnx)) return { ...v, layout: 'rowmajor' };
    const name = this.push({ name: this.fresh(`${base}_nchw_flatten`), op: 'flatten', inputs: [v.node], attrs: { order: 'nchw' } });
    return { node: name, onnx: v.onnx, ours: [v.onnx[0], product(v.onnx.slice(1))], layout: 'rowmajor' };
  }

  /**
   * A row-major value reshaped (if needed) to `shape` (same batch, same size). With `name`, a node
   * is always emitted (an identity when nothing changes, recording the ONNX op it stands for).
   */
  reshaped(v: Value, shape: number[], base: string, name?: string, was = 'Reshape'): Value {
    if (v.layout !== 'rowmajor') throw new Error(`reshaped() needs a row-major value, given ${v.layout}`);
    if (shape[0] !== v.ours[0] || product(shape) !== product(v.ours)) throw new Error(`cannot reshape ${fmtDims(v.ours)} to ${fmtDims(shape)}`);
    if (sameDims(shape, v.ours) && name === undefined) return v;
    const nodeName = name ?? this.fresh(`${base}_reshape`);
    const node = this.push(
      sameDims(shape, v.ours)
        ? { name: nodeName, op: 'identity', inputs: [v.node], attrs: { was } }
        : { name: nodeName, op: 'reshape', inputs: [v.node], attrs: { shape: shape.slice(1) } },
    );
    return { ...v, node, ours: [...shape] };
  }

  /** The rank-4 value as an NHWC feature map, for spatial ops (`what` names the op for the error). */
  asNhwc(v: Value, base: string, what: string): Value {
    if (v.layout === 'nhwc') return v;
    if (v.onnx.length !== 4) unsupported(`${what} of a rank-${v.onnx.length} tensor ${fmtDims(v.onnx)} (only 4-D NCHW inputs)`);
    if (!layoutFree(v.onnx)) {
      // NCHW memory (ShuffleNet's channel shuffle ends in a row-major reshape) → NHWC: one transpose.
      const rows = this.reshaped(v, v.onnx, base);
      const name = this.push({ name: this.fresh(`${base}_nhwc`), op: 'transpose', inputs: [rows.node], attrs: { perm: [0, 2, 3, 1] } });
      return { node: name, onnx: v.onnx, ours: nhwcOf(v.onnx), layout: 'nhwc' };
    }
    return { ...this.reshaped(v, nhwcOf(v.onnx), base), layout: 'nhwc' };
  }
}

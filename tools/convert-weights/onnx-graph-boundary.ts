// The layout at the edges of an imported graph: ONNX feeds and returns NCHW (or row-major N-D)
// tensors, the graph takes an NHWC input and returns its own shape. These convert host arrays.
import type { Layout } from './onnx-graph-values.js';

export interface OnnxBoundary {
  /** The ONNX value name. */
  name: string;
  /** ONNX shape at the imported size (batch as declared, 1 when symbolic). */
  onnxShape: number[];
  /** The graph tensor's shape at that size. */
  ourShape: number[];
  layout: Layout;
}

function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) y[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
    }
  }
  return y;
}

function nhwcToNchw(y: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const x = new Float32Array(y.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h * w; i++) x[(b * c + ch) * h * w + i] = y[(b * h * w + i) * c + ch];
    }
  }
  return x;
}

function checkDims(b: OnnxBoundary, dims: readonly number[]): void {
  const fits = dims.length === b.onnxShape.length && dims.every((d, i) => i === 0 || d === b.onnxShape[i]);
  if (!fits) throw new Error(`'${b.name}': expected an ONNX tensor of shape [N, ${b.onnxShape.slice(1).join(', ')}], given [${dims.join(', ')}]`);
}

/** An ONNX-layout input (e.g. NCHW) as the graph's input tensor (e.g. NHWC), any batch size. */
export function toGraphInput(b: OnnxBoundary, data: Float32Array, dims: readonly number[]): { data: Float32Array; shape: number[] } {
  checkDims(b, dims);
  const n = dims[0];
  if (b.layout === 'nhwc') return { data: nchwToNhwc(data, n, dims[1], dims[2], dims[3]), shape: [n, dims[2], dims[3], dims[1]] };
  return { data, shape: [n, ...b.ourShape.slice(1)] };
}

/** The graph's output values in the ONNX output's layout and its shape for that batch size. */
export function fromGraphOutput(b: OnnxBoundary, data: Float32Array, batch: number): { data: Float32Array; dims: number[] } {
  const dims = [batch, ...b.onnxShape.slice(1)];
  if (b.layout === 'nhwc') return { data: nhwcToNchw(data, batch, dims[1], dims[2], dims[3]), dims };
  return { data, dims };
}

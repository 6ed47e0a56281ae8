// Reading a node's attributes with ONNX's defaults, and the window geometry (kernel, strides,
// dilations, pads / auto_pad) that Conv, MaxPool and AveragePool share.
import { samePadding, windowOutputSize, type Padding } from '../../src/ops/padding.js';
import type { Pair, PaddingSpec } from '../../src/models/graph.js';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx.js';
import { unsupported } from './onnx-graph-error.js';

function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  const a = node.attributes[name];
  if (a?.type === 'ref') unsupported(`attribute '${name}' refers to a function attribute`);
  return a;
}

function wrongType(name: string, want: string, a: OnnxAttribute): never {
  unsupported(`attribute '${name}' should be ${want}, given ${a.type}`);
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = attribute(node, name);
  if (a === undefined) return fallback;
  return a.type === 'int' ? a.value : wrongType(name, 'an int', a);
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = attribute(node, name);
  if (a === undefined) return fallback;
  return a.type === 'float' ? a.value : wrongType(name, 'a float', a);
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = attribute(node, name);
  if (a === undefined) return fallback;
  return a.type === 'string' ? a.value : wrongType(name, 'a string', a);
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attribute(node, name);
  if (a === undefined) return undefined;
  return a.type === 'ints' ? a.value : wrongType(name, 'ints', a);
}

export function attrTensor(node: OnnxNode, name: string): OnnxTensor | undefined {
  const a = attribute(node, name);
  if (a === undefined) return undefined;
  return a.type === 'tensor' ? a.value : wrongType(name, 'a tensor', a);
}

/** Spatial (height, width) attribute of length 2, e.g. strides; anything else is not 2-D. */
function spatialPair(node: OnnxNode, name: string, fallback: number): Pair {
  const v = attrInts(node, name);
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) unsupported(`${name} [${v.join(', ')}] is not 2-D (only 2-D spatial windows are supported)`);
  if (!v.every((d) => Number.isInteger(d) && d > 0)) unsupported(`${name} [${v.join(', ')}] must be positive`);
  return [v[0], v[1]];
}

export interface WindowGeometry {
  kernel: Pair;
  strides: Pair;
  dilations: Pair;
  /** What the graph node carries: 'same' for SAME_UPPER (valid at any input size), else explicit. */
  padding: PaddingSpec;
  /** Explicit padding at the imported input size (for shape tracking). */
  resolved: Padding;
}

const ZERO: Padding = { top: 0, bottom: 0, left: 0, right: 0 };

/**
 * Kernel, strides, dilations and padding of a 2-D window over an [H, W] input. auto_pad SAME_UPPER
 * maps to the graph's 'same' (TF's rule: the odd pixel after, identical); SAME_LOWER to explicit
 * pads computed at this input size (the odd pixel before); NOTSET to `pads` = [top, left, bottom, right].
 */
export function windowGeometry(node: OnnxNode, kernel: Pair, h: number, w: number): WindowGeometry {
  const strides = spatialPair(node, 'strides', 1);
  const dilations = spatialPair(node, 'dilations', 1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const same = (lower: boolean) => samePadding(h, w, kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1], lower);
  let padding: PaddingSpec;
  let resolved: Padding;
  switch (autoPad) {
    case 'NOTSET': {
      const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
      if (pads.length !== 4) unsupported(`pads [${pads.join(', ')}] are not those of a 2-D window`);
      if (!pads.every((p) => Number.isInteger(p) && p >= 0)) unsupported(`negative pads [${pads.join(', ')}]`);
      resolved = { top: pads[0], left: pads[1], bottom: pads[2], right: pads[3] };
      padding = pads.every((p) => p === 0) ? 'valid' : resolved;
      break;
    }
    case 'VALID':
      padding = 'valid';
      resolved = ZERO;
      break;
    case 'SAME_UPPER':
      padding = 'same';
      resolved = same(false);
      break;
    case 'SAME_LOWER':
      resolved = same(true);
      padding = resolved;
      break;
    default:
      unsupported(`auto_pad '${autoPad}'`);
  }
  return { kernel, strides, dilations, padding, resolved };
}

/** Output [height, width] of the window over [h, w]. */
export function windowOutput(label: string, g: WindowGeometry, h: number, w: number, ceilMode = false): Pair {
  const p = g.resolved;
  return [
    windowOutputSize(label, h, p.top, p.bottom, g.kernel[0], g.strides[0], g.dilations[0], ceilMode),
    windowOutputSize(label, w, p.left, p.right, g.kernel[1], g.strides[1], g.dilations[1], ceilMode),
  ];
}

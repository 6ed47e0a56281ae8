// Shape checks the descriptors share: attribute validation with the node named, padding resolved
// against the input size, sliding-window output sizes.
import { fmt, ShapeError, type Shape } from '../../tensor/index.js';
import { samePadding, windowOutputSize, type Padding } from '../../ops/padding.js';
import type { GraphNode, Pair, PaddingSpec } from '../graph.js';

export function opLabel(node: GraphNode): string {
  return `${node.op} '${node.name}'`;
}

export function checkPair(node: GraphNode, what: string, v: unknown): Pair {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(opLabel(node), `${what} as two positive integers`, JSON.stringify(v));
  }
  return [v[0], v[1]];
}

export function resolvePadding(node: GraphNode, spec: PaddingSpec, h: number, w: number, k: Pair, s: Pair, d: Pair = [1, 1]): Padding {
  if (spec === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (spec === 'same') return samePadding(h, w, k[0], k[1], s[0], s[1], d[0], d[1]);
  if (typeof spec !== 'object' || spec === null) {
    throw new ShapeError(opLabel(node), `padding 'valid', 'same' or {top, bottom, left, right}`, JSON.stringify(spec));
  }
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    if (!Number.isInteger(spec[side]) || spec[side] < 0) throw new ShapeError(opLabel(node), `padding.${side} a non-negative integer`, `${spec[side]}`);
  }
  return spec;
}

export function expectRank(node: GraphNode, shape: Shape, rank: number, what: string): void {
  if (shape.length !== rank) throw new ShapeError(opLabel(node), `input of rank ${rank} (${what})`, `input of shape ${fmt(shape)}`);
}

/** Output height and width of a sliding window over an NHWC input. */
export function windowed(node: GraphNode, x: Shape, k: Pair, s: Pair, spec: PaddingSpec, d: Pair = [1, 1], ceilMode = false): [number, number] {
  const pad = resolvePadding(node, spec, x[1], x[2], k, s, d);
  const label = opLabel(node);
  return [
    windowOutputSize(label, x[1], pad.top, pad.bottom, k[0], s[0], d[0], ceilMode),
    windowOutputSize(label, x[2], pad.left, pad.right, k[1], s[1], d[1], ceilMode),
  ];
}

export function positiveInteger(node: GraphNode, what: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new ShapeError(opLabel(node), `${what} a positive integer`, `${v}`);
  return v;
}

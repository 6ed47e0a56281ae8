// Hook targets: a node name ('conv5_block3_out') or a node's input ('avg_pool:input', or
// 'add_1:input1' for one input of a multi-input node). Unknown names fail with the nearest names.
import type { GraphIndex } from './graph.js';

/** Levenshtein distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/** The `count` candidates closest to `name` by edit distance (ties keep candidate order). */
export function nearestNames(name: string, candidates: readonly string[], count = 5): string[] {
  return candidates
    .map((c, i) => ({ c, i, d: editDistance(name, c) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .slice(0, count)
    .map((x) => x.c);
}

export class UnknownNodeError extends Error {
  constructor(
    readonly requested: string,
    readonly nearest: string[],
    detail = `no node named '${requested}'`,
  ) {
    super(`${detail}; nearest names: ${nearest.join(', ')}`);
    this.name = 'UnknownNodeError';
  }
}

export interface ResolvedTarget {
  /** The target as written ('avg_pool:input'). */
  key: string;
  /** The named node. */
  node: string;
  /** For 'node:input…' targets, which input; undefined for the node's own output. */
  inputIndex?: number;
  /** The node whose output tensor the target is (identity nodes resolved to what they pass through). */
  tensorOf: string;
}

/** Resolves a hook target against the graph, failing with the nearest node names. */
export function resolveTarget(index: GraphIndex, key: string): ResolvedTarget {
  const m = /^(.*):input(\d*)$/.exec(key);
  const nodeName = m ? m[1] : key;
  if (!index.byName.has(nodeName)) {
    // A name containing ':input' that is itself a node name wins over the suffix reading.
    if (m && index.byName.has(key)) return { key, node: key, tensorOf: index.source(key) };
    throw new UnknownNodeError(nodeName, nearestNames(nodeName, index.names));
  }
  if (!m) return { key, node: nodeName, tensorOf: index.source(nodeName) };
  const node = index.node(nodeName);
  const inputs = node.inputs;
  if (inputs.length === 0) throw new UnknownNodeError(key, nearestNames(nodeName, index.names), `'${nodeName}' is the graph input and has no input of its own`);
  let k = 0;
  if (m[2] === '') {
    if (inputs.length > 1) {
      const choices = inputs.map((_, i) => `${nodeName}:input${i}`);
      throw new UnknownNodeError(key, choices, `'${nodeName}' has ${inputs.length} inputs; name one`);
    }
  } else {
    k = Number(m[2]);
    if (k >= inputs.length) {
      const choices = inputs.map((_, i) => `${nodeName}:input${i}`);
      throw new UnknownNodeError(key, choices, `'${nodeName}' has ${inputs.length} input(s)`);
    }
  }
  return { key, node: nodeName, inputIndex: k, tensorOf: index.source(inputs[k]) };
}

// Ancestor sets of a graph's nodes as bitsets over graph positions: what both the structural role
// inference and the residual-block finder ask ("does this node depend on that one?").
import type { Graph, GraphIndex } from './graph.js';

/** One bit per graph position. */
export type NodeBits = Uint32Array;

/** Ancestors of every node, the node itself included. */
export function ancestorSets(graph: Graph, index: GraphIndex): NodeBits[] {
  const words = Math.ceil(graph.nodes.length / 32);
  const sets: NodeBits[] = [];
  graph.nodes.forEach((node, i) => {
    const set = new Uint32Array(words);
    for (const input of node.inputs) {
      const other = sets[index.position.get(input) as number];
      for (let w = 0; w < words; w++) set[w] |= other[w];
    }
    set[i >>> 5] |= 1 << (i & 31);
    sets.push(set);
  });
  return sets;
}

export function hasNode(bits: NodeBits, position: number): boolean {
  return (bits[position >>> 5] & (1 << (position & 31))) !== 0;
}

/** The positions whose bits are set, ascending. */
export function nodePositions(bits: NodeBits): number[] {
  const out: number[] = [];
  bits.forEach((word, w) => {
    for (let b = 0; b < 32; b++) if (word & (1 << b)) out.push(w * 32 + b);
  });
  return out;
}

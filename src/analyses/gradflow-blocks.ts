// The residual blocks of a graph, found from its structure alone (native and imported graphs
// alike): for every Add that joins a fork, which input is the shortcut and which the residual
// branch, the tensor entering the block, and the nodes on each path. Gradient-flow analysis splits
// the gradient at the block input along these two paths.
import { fmt, sameShape, type Shape } from '../tensor/index.js';
import { GraphIndex, type Graph, type GraphNode } from '../models/graph.js';
import { descriptorOf } from '../models/op-table.js';
import { inferShapes } from '../models/shapes.js';
import { ancestorSets, hasNode, type NodeBits } from '../models/ancestors.js';

export interface ResidualBlock {
  /** The Add node; its output is the post-Add node. */
  add: string;
  /** Which input of the Add is the shortcut (the branch is the other one). */
  skipInput: 0 | 1;
  /** The node whose tensor the shortcut delivers to the Add (the block input itself for an identity shortcut). */
  skipSource: string;
  /** The node whose tensor the residual branch delivers to the Add. */
  branchSource: string;
  /** The tensor entering the block. */
  blockInput: string;
  blockInputShape: Shape;
  /** Shape of the Add's output. */
  outputShape: Shape;
  /** Nodes computing the shortcut from the block input, in graph order (empty for an identity shortcut). */
  skipPath: string[];
  /** Nodes computing the branch from the block input, in graph order (a shared pre-activation appears in both paths). */
  branchPath: string[];
  /** The last conv2d of the branch (the branch source when the branch has no conv). */
  branchLastConv: string;
  /** The shortcut in words: 'identity', 'maxpool', 'batchnorm → relu → conv2d'. */
  shortcut: string;
  /** Nodes outside the block that also read the block input: gradient reaching it through them is neither skip nor branch. */
  outsideConsumers: string[];
}

interface Context {
  graph: Graph;
  index: GraphIndex;
  anc: NodeBits[];
  shapes: Map<string, Shape>;
}

/** Position of the node whose tensor `name` is (identity nodes resolved). */
function sourcePos(ctx: Context, name: string): number {
  return ctx.index.position.get(ctx.index.source(name)) as number;
}

/**
 * The nearest common ancestor `fork` of both Add inputs such that every node between it and the
 * Add reads only the fork, other nodes in between, or constants: the single entry of the block.
 */
function findFork(ctx: Context, a: number, b: number): { fork: number; region: Set<number> } | undefined {
  const { graph, anc } = ctx;
  for (let d = Math.min(a, b); d >= 0; d--) {
    if (!hasNode(anc[a], d) || !hasNode(anc[b], d)) continue;
    const region = new Set<number>();
    for (let p = d + 1; p <= Math.max(a, b); p++) if ((hasNode(anc[a], p) || hasNode(anc[b], p)) && hasNode(anc[p], d)) region.add(p);
    const closed = [...region].every((p) =>
      graph.nodes[p].inputs.every((input) => {
        const q = sourcePos(ctx, input);
        return q === d || region.has(q) || graph.nodes[q].op === 'constant';
      }),
    );
    if (closed) return { fork: d, region };
  }
  return undefined;
}

/**
 * A pre-activation both paths read (batchnorm, optionally followed by relu, as in ResNet v2)
 * belongs to the block: the block input is the tensor before it. Otherwise the fork itself.
 */
function blockEntry(ctx: Context, fork: number, region: Set<number>): number {
  const { graph } = ctx;
  const onlyReadBy = (p: number, reader: number) => graph.nodes.every((n, i) => i === reader || !n.inputs.some((input) => sourcePos(ctx, input) === p));
  const walked = [fork];
  let bn = fork;
  if (graph.nodes[fork].op === 'relu') {
    bn = sourcePos(ctx, graph.nodes[fork].inputs[0]);
    if (!onlyReadBy(bn, fork)) return fork;
    walked.push(bn);
  }
  if (graph.nodes[bn].op !== 'batchnorm') return fork;
  const before = sourcePos(ctx, graph.nodes[bn].inputs[0]);
  if (ctx.shapes.get(graph.nodes[before].name)?.length !== 4) return fork;
  for (const p of walked) region.add(p);
  return before;
}

/** Members of the region that `edge` depends on, in graph order, plus the constants they read. */
function pathTo(ctx: Context, edge: number, region: Set<number>): number[] {
  const { graph, anc } = ctx;
  const path = [...region].filter((p) => hasNode(anc[edge], p));
  const constants = new Set<number>();
  for (const p of path) {
    for (const input of graph.nodes[p].inputs) {
      const q = sourcePos(ctx, input);
      if (graph.nodes[q].op === 'constant') constants.add(q);
    }
  }
  return [...path, ...constants].sort((x, y) => x - y);
}

function describeShortcut(own: GraphNode[], shared: GraphNode[]): string {
  const ops = (nodes: GraphNode[]) =>
    nodes
      .filter((n) => n.op !== 'identity' && n.op !== 'constant')
      .map((n) => n.op)
      .join(' → ');
  const mine = ops(own) || 'identity';
  return shared.length > 0 ? `${mine} on the pre-activation both paths share (${ops(shared)})` : mine;
}

function blockOf(ctx: Context, add: GraphNode): ResidualBlock | undefined {
  const { graph, index, shapes } = ctx;
  if (descriptorOf(add).roles.join !== 'residual' || add.inputs.length !== 2) return undefined;
  const [a, b] = add.inputs.map((n) => sourcePos(ctx, n));
  if (a === b) return undefined;
  const [sa, sb] = [a, b].map((p) => shapes.get(graph.nodes[p].name) as Shape);
  if (sa.length !== 4 || !sameShape(sa, sb)) return undefined;
  if (graph.nodes[a].op === 'constant' || graph.nodes[b].op === 'constant') return undefined;
  const found = findFork(ctx, a, b);
  if (!found) return undefined;
  const { fork, region } = found;
  // The shorter exclusive side is the shortcut; on a tie the side with fewer weighted layers,
  // then the first input (Keras writes Add([shortcut, x])) — the rule inferRoles uses.
  const exclusive = (mine: number, other: number) => [...region].filter((p) => hasNode(ctx.anc[mine], p) && !hasNode(ctx.anc[other], p));
  const onlyA = exclusive(a, b),
    onlyB = exclusive(b, a);
  const weighted = (side: number[]) => side.filter((p) => descriptorOf(graph.nodes[p]).roles.weighted).length;
  const aIsSkip = onlyA.length !== onlyB.length ? onlyA.length < onlyB.length : weighted(onlyA) <= weighted(onlyB);
  const [skip, branch] = aIsSkip ? [a, b] : [b, a];
  const entry = blockEntry(ctx, fork, region);
  const skipPath = pathTo(ctx, skip, region);
  const branchPath = pathTo(ctx, branch, region);
  const lastConv = [...branchPath].reverse().find((p) => graph.nodes[p].op === 'conv2d') ?? branch;
  const name = (p: number) => graph.nodes[p].name;
  const inside = new Set([...region, index.position.get(add.name) as number]);
  const outsideConsumers = graph.nodes.filter((n, i) => !inside.has(i) && n.inputs.some((input) => sourcePos(ctx, input) === entry)).map((n) => n.name);
  return {
    add: add.name,
    skipInput: aIsSkip ? 0 : 1,
    skipSource: name(skip),
    branchSource: name(branch),
    blockInput: name(entry),
    blockInputShape: shapes.get(name(entry)) as Shape,
    outputShape: shapes.get(add.name) as Shape,
    skipPath: skipPath.map(name),
    branchPath: branchPath.map(name),
    branchLastConv: name(lastConv),
    shortcut: describeShortcut(
      skipPath.filter((p) => !branchPath.includes(p)).map((p) => graph.nodes[p]),
      skipPath.filter((p) => branchPath.includes(p)).map((p) => graph.nodes[p]),
    ),
    outsideConsumers,
  };
}

/**
 * Every residual block in graph order: each Add of two same-shape 4-D tensors that join a fork
 * (an Add with a constant operand is a bias, not a block).
 */
export function residualBlocks(graph: Graph, shapes: Map<string, Shape> = inferShapes(graph)): ResidualBlock[] {
  const index = new GraphIndex(graph);
  const ctx: Context = { graph, index, anc: ancestorSets(graph, index), shapes };
  return graph.nodes.flatMap((n) => blockOf(ctx, n) ?? []);
}

/** One line per block, for messages and summaries. */
export function describeBlock(b: ResidualBlock): string {
  return `${b.add}: input '${b.blockInput}' ${fmt(b.blockInputShape)}, shortcut ${b.shortcut}, branch ends at '${b.branchSource}'`;
}

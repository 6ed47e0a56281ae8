// A Keras-style summary: every node with its op, output shape, parameter count and role.
import type { Shape } from '../tensor/index.js';
import type { Graph, OpKind, Role } from './graph.js';
import { rolesOf } from './roles.js';
import { inferShapes, parameterCounts, type InputSize } from './shapes.js';

export interface SummaryRow {
  node: string;
  op: OpKind;
  /** Output shape per sample (batch excluded), e.g. [7, 7, 2048]. */
  outputShape: Shape;
  params: number;
  /** Set on 4-D nodes. */
  role?: Role;
  /** Fused activation, if any ('relu'). */
  activation?: string;
}

export function summarize(graph: Graph, size: InputSize = {}): SummaryRow[] {
  const shapes = inferShapes(graph, size);
  const counts = parameterCounts(graph, shapes);
  const roles = rolesOf(graph, shapes);
  return graph.nodes.map((node) => {
    const row: SummaryRow = { node: node.name, op: node.op, outputShape: (shapes.get(node.name) as Shape).slice(1), params: counts.get(node.name) ?? 0 };
    const role = roles.get(node.name);
    if (role) row.role = role;
    const activation = 'activation' in node.attrs ? node.attrs.activation : undefined;
    if (activation) row.activation = activation;
    return row;
  });
}

export function totalOf(rows: readonly SummaryRow[]): number {
  return rows.reduce((s, r) => s + r.params, 0);
}

/** A plain-text table, one line per node, and the parameter total. */
export function formatSummary(rows: readonly SummaryRow[]): string {
  const cells = rows.map((r) => [
    r.node,
    r.activation ? `${r.op}+${r.activation}` : r.op,
    r.outputShape.join('×'),
    r.params.toLocaleString('en-US'),
    r.role ?? '',
  ]);
  const header = ['node', 'op', 'output', 'params', 'role'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row
      .map((v, c) => (c === 3 ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `total parameters: ${totalOf(rows).toLocaleString('en-US')}`].join(
    '\n',
  );
}

// `layers`: every node of a model with its op, output shape, parameter count and role, the node
// `explain --layer auto` would use and why. Reads the weights file but needs no GPU.
import { Command } from 'commander';
import { chooseTarget } from '../methods/layer-choice.js';
import type { ModelDefinition } from '../models/definition.js';
import { NATIVE_MODELS, nearestNames, summarize, totalOf, type SummaryRow } from '../models/index.js';
import { checkWeightShapes, definitionFromMetadata } from '../models/load-definition.js';
import { readWeightsFile } from '../models/weights-file.js';
import { resolveModelSource } from './model-source.js';
import { modelOption } from './shared-options.js';

interface LayersFlags {
  model?: string;
  filter?: string;
  json?: boolean;
}

function loadDefinition(spec: string | undefined): { definition: ModelDefinition; path: string } {
  const source = resolveModelSource(spec);
  const file = readWeightsFile(source.path);
  const name = Object.hasOwn(NATIVE_MODELS, source.loadSpec) ? source.loadSpec : undefined;
  const definition = definitionFromMetadata(source.path, file.metadata, name);
  checkWeightShapes(source.path, definition, new Map([...file.params].map(([k, t]) => [k, t.shape])));
  return { definition, path: source.path };
}

function matches(row: SummaryRow, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const f = filter.toLowerCase();
  return [row.node, row.op, row.role ?? ''].some((v) => v.toLowerCase().includes(f));
}

function table(rows: readonly SummaryRow[], target: string): string[] {
  const cells = rows.map((r) => [
    r.node === target ? '*' : '',
    r.node,
    r.activation ? `${r.op}+${r.activation}` : r.op,
    r.outputShape.join('×'),
    r.params.toLocaleString('en-US'),
    r.role ?? '',
  ]);
  const header = ['', 'node', 'op', 'output', 'params', 'role'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row
      .map((v, c) => (c === 4 ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w, c) => (c === 0 ? ' ' : '-').repeat(w))), ...cells.map(line)];
}

export function layersCommand(): Command {
  return new Command('layers')
    .summary("list a model's nodes and the automatic target")
    .description("List a model's nodes with op, output shape, parameter count and role, and mark the node `explain --layer auto` uses, with the reason.")
    .addOption(modelOption())
    .option('--filter <text>', 'only nodes whose name, op or role contains this text (case-insensitive)')
    .option('--json', 'print the listing as one JSON document')
    .addHelpText(
      'after',
      [
        '',
        'Roles: feature-map (the full signal: a block output after its Add, a concat of all branches, a conv+ReLU in a chain),',
        'residual-branch (inside a residual branch, before its Add), skip (on a shortcut), branch (one branch of an Inception',
        'module). Any node can be named with explain --layer; nodes that are not feature maps give a warning naming the one to use.',
        '',
        'Exit status: 0 listed, 2 bad input (weights missing or unreadable), 1 internal error.',
      ].join('\n'),
    )
    .action((flags: LayersFlags) => {
      const { definition, path } = loadDefinition(flags.model);
      const rows = summarize(definition.graph);
      const choice = chooseTarget(definition, 'auto', 'gradcam');
      const shown = rows.filter((r) => matches(r, flags.filter));
      const { height, width } = definition.inputSize;
      const channels = rows[0].outputShape[2];
      if (flags.json) {
        const doc = {
          model: definition.name,
          weights: { file: path },
          source: definition.source,
          inputSize: { height, width, channels },
          preprocessing: definition.preprocessing,
          classes: definition.labels.length,
          parameters: totalOf(rows),
          target: { node: choice.node, reason: choice.layerChoice.reason },
          filter: flags.filter ?? null,
          nodes: shown.map((r) => ({ ...r, target: r.node === choice.node })),
        };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const out: string[] = [
        `${definition.name} (${path})`,
        `  ${definition.source}`,
        `  input ${height}×${width}×${channels}, preprocessing '${definition.preprocessing}', ` +
          `${definition.labels.length} classes, ${totalOf(rows).toLocaleString('en-US')} parameters, ` +
          `${rows.length} nodes`,
        '',
      ];
      if (shown.length > 0) out.push(...table(shown, choice.node));
      if (flags.filter !== undefined) {
        const nearest = nearestNames(
          flags.filter,
          rows.map((r) => r.node),
          3,
        ).join(', ');
        out.push(
          shown.length > 0
            ? `(${shown.length} of ${rows.length} nodes match '${flags.filter}')`
            : `no node name, op or role contains '${flags.filter}'; nearest node names: ${nearest}`,
        );
      }
      out.push('', `* automatic target (explain --layer auto): ${choice.node}, ${choice.layerChoice.reason}`);
      if (shown.some((r) => r.role !== undefined && r.role !== 'feature-map')) {
        out.push('  residual-branch, skip and branch nodes carry only part of the signal; explain warns on them and names the feature map to use.');
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

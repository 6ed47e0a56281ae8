// `evolution <image>`: one map per block of the network in a labelled grid (PNG), every low-res map
// in a JSON document, optionally one self-contained HTML page — all from one forward and one backward.
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { softmax, UnknownNodeError } from '../methods/index.js';
import { labelOf } from '../methods/classes.js';
import { evolution, EVOLUTION_METHODS, type EvolutionMethod, type EvolutionResult } from '../analyses/evolution.js';
import { evolutionDocument } from '../analyses/evolution-document.js';
import { evolutionNodes, NODE_SELECTIONS, NodeSelectionError, type EvolutionNode, type NodeSelection } from '../analyses/evolution-nodes.js';
import type { ColormapName } from '../image/index.js';
import { ShapeError } from '../tensor/index.js';
import { evolutionGrid, evolutionMethodWords, shapeText } from '../report/evolution-figure.js';
import { formatCell, htmlReport } from '../report/html.js';
import { EXIT_OK, messageOf, UsageError } from './errors.js';
import { modelLine, withImageSession, type Session } from './image-session.js';
import { modelOption, outOption, colormapOption, alphaOption, classOption } from './shared-options.js';
import { writeAllOrNothing, type OutputFile } from './output-files.js';
import { formatProbability } from './report.js';

interface EvolutionFlags {
  model?: string;
  method: EvolutionMethod;
  nodes: NodeSelection;
  class?: string;
  sharedScale?: boolean;
  out: string;
  html?: boolean;
  colormap: ColormapName;
  alpha: number;
}

function methodOption(value: string): EvolutionMethod {
  if ((EVOLUTION_METHODS as readonly string[]).includes(value)) return value as EvolutionMethod;
  throw new InvalidArgumentError(`Valid: ${EVOLUTION_METHODS.join(', ')}.`);
}

function nodesOption(value: string): NodeSelection {
  if ((NODE_SELECTIONS as readonly string[]).includes(value)) return value as NodeSelection;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new InvalidArgumentError(`Give ${NODE_SELECTIONS.join(', ')} or a comma-separated list of node names.`);
  return list;
}

function selectNodes(s: Session, flags: EvolutionFlags): EvolutionNode[] {
  try {
    return evolutionNodes(s.model.definition, flags.nodes);
  } catch (e) {
    if (e instanceof UnknownNodeError || e instanceof ShapeError || e instanceof NodeSelectionError) {
      throw new UsageError(`--nodes ${typeof flags.nodes === 'string' ? flags.nodes : flags.nodes.join(',')}: ${messageOf(e)}`);
    }
    throw e;
  }
}

export interface EvolutionFiles {
  grid: string;
  json: string;
  html?: string;
}

function outputPaths(outDir: string, stem: string, method: EvolutionMethod, html: boolean): EvolutionFiles {
  const base = join(outDir, `${stem}.evolution.${method}`);
  return { grid: `${base}.png`, json: `${base}.json`, ...(html ? { html: `${base}.html` } : {}) };
}

function classWords(s: Session, r: EvolutionResult): { label: string; probability: number; text: string } {
  const label = labelOf(s.model.definition.labels, r.classIndex);
  const probability = softmax(r.logits)[r.classIndex];
  const chosen = s.classIndex === undefined ? 'top-1' : 'as requested';
  const text =
    r.method === 'activation'
      ? `top-1 class ${r.classIndex} '${label}', p ${formatProbability(probability)} (the maps do not depend on it)`
      : `class ${r.classIndex} '${label}' (${chosen}), logit ${r.logits[r.classIndex].toPrecision(5)}, p ${formatProbability(probability)}`;
  return { label, probability, text };
}

async function runEvolution(s: Session, flags: EvolutionFlags): Promise<number> {
  const started = performance.now();
  const nodes = selectNodes(s, flags);
  if (flags.method === 'activation' && s.classIndex !== undefined) s.console.err('warning: --class is ignored: activation maps do not depend on the class.');
  const r = await evolution(s.model, s.input, { method: flags.method, nodes, classIndex: s.classIndex });
  const cls = classWords(s, r);
  const scaleWords = flags.sharedScale ? 'one scale shared by all maps' : 'each map normalised on its own';
  const title = `${evolutionMethodWords(r.method)} at ${r.maps.length} nodes of ${s.model.name}`;
  const subtitle = [`${s.imageRecord.file} · ${cls.text}`, `network order, ${scaleWords}; one forward${r.backwards ? ' and one backward' : ''} for all maps`];
  const grid = evolutionGrid(r, s.image, { colormap: flags.colormap, alpha: flags.alpha, sharedScale: flags.sharedScale === true, title, subtitle });
  const files = outputPaths(flags.out, s.stem, r.method, flags.html === true);
  const doc = {
    model: s.model.name,
    weights: s.weights,
    image: s.imageRecord,
    class: r.classIndex,
    label: cls.label,
    logit: r.logits[r.classIndex],
    probability: cls.probability,
    ...evolutionDocument(r, { selection: flags.nodes, sharedScale: flags.sharedScale === true, colormap: flags.colormap, alpha: flags.alpha }),
    files,
    elapsedMs: Math.round(performance.now() - started),
  };
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  const outputs: OutputFile[] = [
    { path: files.grid, contents: grid },
    { path: files.json, contents: json },
  ];
  if (files.html) {
    const page = htmlReport({
      title,
      facts: [
        ['model', modelLine(s).replace(/^model: /, '')],
        ['image', `${s.imageRecord.file} (${s.imageRecord.width}×${s.imageRecord.height})`],
        ['class', cls.text],
        ['normalisation', scaleWords],
      ],
      figures: [{ caption: subtitle.join(' — '), alt: title, png: grid }],
      tables: [
        {
          caption: 'Maps in network order (values before upsampling)',
          columns: ['node', 'shape', 'role', 'status', 'min', 'max'],
          rows: r.maps.map((m) => [m.target, shapeText(m.shape), m.role, m.status, m.min, m.max]),
        },
      ],
      json,
    });
    outputs.push({ path: files.html, contents: page });
  }
  writeAllOrNothing(outputs);
  const lines = [modelLine(s), `${s.imageRecord.file} (${s.imageRecord.width}×${s.imageRecord.height}): ${r.method} at ${r.maps.length} nodes, ${cls.text}`];
  const width = Math.max(...r.maps.map((m) => m.target.length));
  for (const m of r.maps) {
    const status = m.status === 'ok' ? '' : `  (${m.status})`;
    lines.push(`  ${m.target.padEnd(width)}  ${shapeText(m.shape).padEnd(12)} ${formatCell(m.min)} … ${formatCell(m.max)}${status}`);
  }
  lines.push(`wrote ${Object.values(files).join(', ')}`);
  s.console.out(lines.join('\n'));
  return EXIT_OK;
}

/** The verb; `finished` receives the exit status of the run. */
export function evolutionCommand(finished: (status: number) => void): Command {
  return new Command('evolution')
    .summary('maps at every block of the network, in one labelled grid')
    .description(
      'Show how the explanation evolves along the network: a map at every block output from ONE forward and ONE backward, ' +
        'in network order. Writes <out>/<stem>.evolution.<method>.png (the grid: each cell the overlay, labelled with node name and shape), ' +
        '<stem>.evolution.<method>.json (every low-resolution map) and, with --html, <stem>.evolution.<method>.html (one self-contained page).',
    )
    .argument('<image>', 'a PNG or JPEG file')
    .addOption(modelOption())
    .addOption(
      new Option('--method <name>', `${EVOLUTION_METHODS.join(' | ')} (activation: channel mean of the activations, not class-specific)`)
        .default('gradcam')
        .argParser(methodOption),
    )
    .addOption(
      new Option('--nodes <which>', 'blocks (every block output), adds (residual Adds), all (every feature map), or a comma-separated list of nodes')
        .default('blocks')
        .argParser(nodesOption),
    )
    .addOption(classOption())
    .option('--shared-scale', 'one colour scale for all maps (magnitudes comparable) instead of per-map normalisation')
    .addOption(outOption())
    .option('--html', 'also write a self-contained HTML page with the grid and the numbers')
    .addOption(colormapOption())
    .addOption(alphaOption())
    .addHelpText(
      'after',
      [
        '',
        'blocks: resnet50v2 every convN_blockM_out and post_relu; inceptionv3 mixed0…mixed10; vgg16 the last conv of each block;',
        'an imported graph every feature-map node (see the layers verb for names and roles).',
        '',
        'Exit status: 0 done, 2 bad input (unreadable image, unknown node/class, weights problem, no GPU adapter), 1 internal error.',
        '',
        'Examples:',
        '  npx gradscope evolution photo.jpg --model resnet50v2',
        '  npx gradscope evolution photo.jpg --model inceptionv3 --method layercam --shared-scale --html',
        '  npx gradscope evolution photo.jpg --model resnet50v2 --nodes conv3_block4_out,conv4_block6_out,post_relu',
      ].join('\n'),
    )
    .action(async (image: string, flags: EvolutionFlags) => {
      finished(await withImageSession({ image, modelSpec: flags.model, classSpec: flags.class, outDir: flags.out }, (s) => runEvolution(s, flags)));
    });
}

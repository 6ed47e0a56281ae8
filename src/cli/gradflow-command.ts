// `gradflow <image>`: for every residual block, how much gradient reaches the block input through
// the shortcut and through the branch (a chart along depth, a JSON with every number), and Grad-CAM
// at the branch's last conv beside Grad-CAM after the Add; --skip-scale adds a pass with weakened shortcuts.
import { join } from 'node:path';
import { Command } from 'commander';
import { softmax } from '../methods/index.js';
import { labelOf } from '../methods/classes.js';
import { gradientFlow, NoResidualBlocksError, type FlowStats, type GradflowResult } from '../analyses/gradflow.js';
import { gradflowDocument } from '../analyses/gradflow-document.js';
import type { ColormapName } from '../image/index.js';
import { shapeText } from '../report/evolution-figure.js';
import { gradflowChart, gradflowGrid } from '../report/gradflow-figure.js';
import { formatCell, htmlReport, type Cell } from '../report/html.js';
import { EXIT_OK, messageOf, UsageError } from './errors.js';
import { modelLine, withImageSession, type Session } from './image-session.js';
import * as parse from './option-parsers.js';
import { modelOption, outOption, colormapOption, alphaOption } from './shared-options.js';
import { writeAllOrNothing, type OutputFile } from './output-files.js';
import { formatProbability } from './report.js';

interface GradflowFlags {
  model?: string;
  class?: string;
  skipScale?: number;
  out: string;
  html?: boolean;
  colormap: ColormapName;
  alpha: number;
}

export interface GradflowFiles {
  chart: string;
  cams: string;
  json: string;
  html?: string;
}

function outputPaths(outDir: string, stem: string, html: boolean): GradflowFiles {
  const base = join(outDir, `${stem}.gradflow`);
  return { chart: `${base}.chart.png`, cams: `${base}.cams.png`, json: `${base}.json`, ...(html ? { html: `${base}.html` } : {}) };
}

const COLUMNS = ['block', 'input', 'shortcut', '‖total‖', '‖via shortcut‖', '‖via branch‖', 'shortcut/branch', 'cosine', 'branch share'];

function statsRow(s: FlowStats): Cell[] {
  return [s.totalNorm, s.skipNorm, s.branchNorm, s.ratio, s.cosine, s.branchShare];
}

function tables(r: GradflowResult): { caption: string; columns: string[]; rows: Cell[][] }[] {
  const structure = (b: GradflowResult['blocks'][number]): Cell[] => [
    b.block.add,
    `${b.block.blockInput} ${shapeText(b.block.blockInputShape)}`,
    b.block.shortcut,
  ];
  const out = [
    { caption: 'Gradient at each block input, the network as it is', columns: COLUMNS, rows: r.blocks.map((b) => [...structure(b), ...statsRow(b.baseline)]) },
  ];
  if (r.skipScale !== undefined) {
    out.push({
      caption: `The same with every shortcut scaled by ${r.skipScale}`,
      columns: COLUMNS,
      rows: r.blocks.map((b) => [...structure(b), ...statsRow(b.scaled as FlowStats)]),
    });
  }
  return out;
}

function summaryLines(r: GradflowResult): string[] {
  const width = Math.max(5, ...r.blocks.map((b) => b.block.add.length));
  const scaled = r.skipScale !== undefined ? `  ‖total‖ ×${r.skipScale}` : '';
  const lines = [
    `  ${'block'.padEnd(width)}  ${'‖total‖'.padStart(10)} ${'‖shortcut‖'.padStart(10)} ` +
      `${'‖branch‖'.padStart(10)} ${'ratio'.padStart(9)} ${'cosine'.padStart(8)}${scaled}`,
  ];
  for (const b of r.blocks) {
    const s = b.baseline;
    const cells = [s.totalNorm, s.skipNorm, s.branchNorm].map((v) => formatCell(v).padStart(10)).join(' ');
    const more = b.scaled ? `  ${formatCell(b.scaled.totalNorm).padStart(10)}` : '';
    lines.push(`  ${b.block.add.padEnd(width)}  ${cells} ${formatCell(s.ratio).padStart(9)} ${formatCell(s.cosine).padStart(8)}${more}`);
  }
  return lines;
}

async function runGradflow(s: Session, flags: GradflowFlags): Promise<number> {
  const started = performance.now();
  let r: GradflowResult;
  try {
    r = await gradientFlow(s.model, s.input, { classIndex: s.classIndex, skipScale: flags.skipScale });
  } catch (e) {
    if (e instanceof NoResidualBlocksError) throw new UsageError(messageOf(e));
    throw e;
  }
  const label = labelOf(s.model.definition.labels, r.classIndex);
  const probability = softmax(r.logits)[r.classIndex];
  const chosen = s.classIndex === undefined ? 'top-1' : 'as requested';
  const classText = `class ${r.classIndex} '${label}' (${chosen}), logit ${r.logits[r.classIndex].toPrecision(5)}, p ${formatProbability(probability)}`;
  const scaleText =
    r.skipScale === undefined
      ? ''
      : `; dashed: every shortcut scaled by ${r.skipScale} (logit ${(r.scaledLogits as Float32Array)[r.classIndex].toPrecision(5)})`;
  const chart = gradflowChart(
    r,
    `Gradient flow through the ${r.blocks.length === 1 ? 'residual block' : `${r.blocks.length} residual blocks`} of ${s.model.name}`,
    `${s.imageRecord.file} · ${classText}${scaleText}`,
  );
  const camsTitle = `Grad-CAM at each branch's last conv and after its Add — ${s.model.name}`;
  const cams = gradflowGrid(r, s.image, {
    colormap: flags.colormap,
    alpha: flags.alpha,
    title: camsTitle,
    subtitle: [`${s.imageRecord.file} · ${classText}`, 'the branch alone is not what the block outputs: the post-Add map includes the shortcut'],
  });
  const files = outputPaths(flags.out, s.stem, flags.html === true);
  const doc = {
    model: s.model.name,
    weights: s.weights,
    image: s.imageRecord,
    class: r.classIndex,
    label,
    logit: r.logits[r.classIndex],
    probability,
    ...(r.scaledLogits ? { scaledLogit: r.scaledLogits[r.classIndex] } : {}),
    ...gradflowDocument(r, { colormap: flags.colormap, alpha: flags.alpha }),
    files,
    elapsedMs: Math.round(performance.now() - started),
  };
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  const outputs: OutputFile[] = [
    { path: files.chart, contents: chart },
    { path: files.cams, contents: cams },
    { path: files.json, contents: json },
  ];
  if (files.html) {
    const page = htmlReport({
      title: `Gradient flow — ${s.model.name}`,
      facts: [
        ['model', modelLine(s).replace(/^model: /, '')],
        ['image', `${s.imageRecord.file} (${s.imageRecord.width}×${s.imageRecord.height})`],
        ['class', classText],
        ['shortcut scale', r.skipScale === undefined ? 'no scaled pass' : String(r.skipScale)],
      ],
      figures: [
        {
          caption: 'Gradient norm at each block input: through the shortcut, through the branch, total; branch share and cosine of the two parts',
          alt: 'gradient-flow chart',
          png: chart,
        },
        { caption: camsTitle, alt: 'Grad-CAM branch vs post-Add grid', png: cams },
      ],
      tables: tables(r),
      notes: ['Norms are Euclidean over the whole block-input tensor. Shortcut part + branch part = total (closure in the JSON).'],
      json,
    });
    outputs.push({ path: files.html, contents: page });
  }
  writeAllOrNothing(outputs);
  const lines = [
    modelLine(s),
    `${s.imageRecord.file} (${s.imageRecord.width}×${s.imageRecord.height}): gradient flow for ` +
      `${classText}, ${r.blocks.length} residual block${r.blocks.length === 1 ? '' : 's'}${scaleText}`,
    ...summaryLines(r),
    `wrote ${Object.values(files).join(', ')}`,
  ];
  s.console.out(lines.join('\n'));
  return EXIT_OK;
}

/** The verb; `finished` receives the exit status of the run. */
export function gradflowCommand(finished: (status: number) => void): Command {
  return new Command('gradflow')
    .summary('gradient through shortcuts vs residual branches, block by block')
    .description(
      'For every residual Add y = shortcut + branch: the norm of the gradient reaching the block input through the shortcut and through ' +
        'the branch, their ratio and cosine, and the gradient norm at every block input along depth. Writes <out>/<stem>.gradflow.chart.png, ' +
        "<stem>.gradflow.cams.png (Grad-CAM at each branch's last conv beside the post-Add node), <stem>.gradflow.json (every number) and, " +
        'with --html, <stem>.gradflow.html.',
    )
    .argument('<image>', 'a PNG or JPEG file')
    .addOption(modelOption())
    .option('--class <index|label>', 'the class whose logit is differentiated (default: the top-1 class)')
    .option('--skip-scale <s>', 'also run with every shortcut multiplied by s (0..1) to show the gradient vanishing without them', parse.fraction)
    .addOption(outOption())
    .option('--html', 'also write a self-contained HTML page with the chart, the grid and the numbers')
    .addOption(colormapOption())
    .addOption(alphaOption())
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 done, 2 bad input (unreadable image, unknown class, a model without residual blocks, weights problem,',
        'no GPU adapter), 1 internal error.',
        '',
        'Examples:',
        '  npx gradscope gradflow photo.jpg --model resnet50v2',
        '  npx gradscope gradflow photo.jpg --model resnet50v2 --skip-scale 0.1 --html',
      ].join('\n'),
    )
    .action(async (image: string, flags: GradflowFlags) => {
      finished(await withImageSession({ image, modelSpec: flags.model, classSpec: flags.class, outDir: flags.out }, (s) => runGradflow(s, flags)));
    });
}

// `npm run bench`: our kernels and explanations against tfjs-backend-webgpu on the same Dawn adapter
// (and onnxruntime-node's CPU forward as the native anchor), each row's two sides interleaved so a
// noisy machine's drift hits both (timing.ts). Flags (after `npm run bench --`):
//   --only a,b   terms naming groups ('conv 3×3', 'matmul', 'resnet50v2', 'onnxruntime') select them; other terms
//                select rows by name ('input gradient', 'smoothgrad'); networks run only when named or without --only
//   --quick      fewer pairs, and no networks unless named
//   --pairs N    timed pairs per row (default 5; the slowest network rows 2)
//   --no-peer    leave tfjs out (ours-vs-ours rows and the onnxruntime anchor remain)
import { parseArgs } from 'node:util';
import { initGpu, releaseGpu } from '../src/tensor/index.js';
import { modelSuites } from './models.js';
import { onnxAnchorSuite } from './onnx-anchor.js';
import { opSuites } from './ops.js';
import { newOpsSuite } from './new-ops.js';
import { mobilenetSuite } from './mobilenet.js';
import { perturbationSuite } from './perturbation.js';
import { tfjsWebgpu } from './peer-tfjs.js';
import { printResults } from './report.js';
import { runRow, type RowResult, type Suite } from './rows.js';

const NETWORKS = ['resnet50v2', 'inceptionv3', 'vgg16', 'mobilenetv2', 'onnxruntime', 'perturbation'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, quick: { type: 'boolean' }, pairs: { type: 'string' }, 'no-peer': { type: 'boolean' } },
  });
  const only = values.only
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const quick = values.quick ?? false;
  const pairs = Number(values.pairs ?? (quick ? 3 : 5));
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs takes a positive integer, given '${values.pairs}'`);
  const slowPairs = quick ? 1 : Math.min(pairs, 2);

  const g = await initGpu();
  const tf = values['no-peer'] ? undefined : await tfjsWebgpu(g.api);
  console.log(`adapter: ${g.adapterDescription}${tf ? ' (both sides)' : ''}`);
  const suites: Suite[] = [
    ...opSuites(tf, pairs),
    ...(tf ? [newOpsSuite(tf, pairs)] : []),
    ...modelSuites(tf, { pairs: quick ? 1 : Math.min(pairs, 3), slowPairs }),
    mobilenetSuite(tf, quick ? 1 : Math.min(pairs, 3)),
    onnxAnchorSuite(quick ? 2 : pairs),
    perturbationSuite(slowPairs),
  ];
  // Terms naming a suite select it whole; the other terms select rows (of the cheap op suites, and
  // of the named networks). The networks, minutes each, are built only when named or when nothing is.
  const suiteTerms = only?.filter((o) => suites.some((s) => s.name.toLowerCase().includes(o))) ?? [];
  const rowTerms = only?.filter((o) => !suiteTerms.includes(o)) ?? [];
  const named = (name: string, terms: string[]) => terms.some((o) => name.toLowerCase().includes(o));
  const results: RowResult[] = [];
  for (const suite of suites) {
    const network = NETWORKS.includes(suite.name);
    const wanted = !only ? !(quick && network) : named(suite.name, suiteTerms) || (!network && rowTerms.length > 0);
    if (!wanted) continue;
    const built = await suite.build();
    try {
      for (const row of built.rows) {
        if (rowTerms.length > 0 && !named(row.name, rowTerms)) continue;
        const r = await runRow(row);
        results.push(r);
        console.log(`  measured ${row.name}`);
      }
    } finally {
      built.dispose();
    }
  }
  printResults(results);
  releaseGpu();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

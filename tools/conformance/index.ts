// npm run conformance [-- <dir>] [--match <regex>]: every ONNX backend test in the folder (node,
// pytorch-converted, pytorch-operator…), imported and run on the GPU, compared with the expected outputs
// (rtol 1e-4, atol 1e-5). Prints every test with its status (and why, when it is not a pass), then
// exactly "N passed, M failed, K unsupported". Exit code 1 when any test failed.
import { existsSync } from 'node:fs';
import { initGpu, releaseGpu } from '../../src/tensor/index.js';
import { DEFAULT_TOLERANCE } from './compare.js';
import { runConformance, summaryLine } from './run.js';
import { DEFAULT_NODE_TESTS } from './select.js';

function parseArgs(argv: string[]): { dir: string; match?: RegExp } {
  let dir = DEFAULT_NODE_TESTS;
  let match: RegExp | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--match') match = new RegExp(argv[++i] ?? '');
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: npm run conformance [-- <node-test-dir>] [--match <regex>]');
      process.exit(0);
    } else dir = argv[i];
  }
  return { dir, match };
}

async function main(): Promise<number> {
  const { dir, match } = parseArgs(process.argv.slice(2));
  if (!existsSync(dir)) {
    console.error(`no ONNX node tests at ${dir} (Debian: apt-get install libonnx-testdata, or pass a directory)`);
    return 2;
  }
  const gpu = await initGpu();
  console.log(`ONNX node tests from ${dir} on ${gpu.adapterDescription}; tolerance rtol ${DEFAULT_TOLERANCE.rtol}, atol ${DEFAULT_TOLERANCE.atol}`);
  const summary = await runConformance(dir, {
    match,
    onResult: (r) => {
      const label = { passed: 'PASS', failed: 'FAIL', unsupported: 'UNSUPPORTED' }[r.status];
      console.log(`${label.padEnd(11)} ${r.name}${r.reason ? `: ${r.reason}` : ''} (${r.ms.toFixed(0)} ms)`);
    },
  });
  releaseGpu();
  console.log(summaryLine(summary));
  return summary.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(2);
  },
);

// `npm run bench`: our kernels, then explanations on the full-size networks, against
// tfjs-backend-webgpu on the same Dawn adapter, in one run, reported side by side as GFLOP/s and as
// the ratio of times (ours / theirs; below 1 = we are faster). Environment: BENCH_MODELS (comma
// list, default all; 'none' skips them), BENCH_RUNS (ours, default 3), BENCH_PEER=0 skips tfjs,
// BENCH_PEER_RUNS (tfjs forwards, default 2), BENCH_PEER_BACKWARD (networks whose tfjs forward +
// tf.grad to the input to time, default resnet50v2; 'all'): about a minute each on lavapipe.
import { initGpu, releaseGpu, Tape, tensor, tidy, watch } from '../src/tensor/index.js';
import { conv2d } from '../src/ops/conv2d.js';
import { matmul } from '../src/ops/matmul.js';
import { benchModels, MODEL_CASES, type ModelRow } from './models.js';
import { tfjsWebgpu, type Tf } from './peer-tfjs.js';
import { time, type Timing } from './timing.js';

interface Case {
  name: string;
  flops: number;
  ours: () => Promise<void>;
  theirs: () => Promise<void>;
}

function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

function convCases(tf: Tf): Case[] {
  const shapes: { name: string; h: number; cin: number; cout: number; k: number }[] = [
    { name: 'conv 3×3 56×56×64→64', h: 56, cin: 64, cout: 64, k: 3 },
    { name: 'conv 1×1 14×14×1024→256', h: 14, cin: 1024, cout: 256, k: 1 },
  ];
  const cases: Case[] = [];
  for (const s of shapes) {
    const xData = randomData(s.h * s.h * s.cin, 1);
    const wData = randomData(s.k * s.k * s.cin * s.cout, 2);
    const x = tensor(xData, [1, s.h, s.h, s.cin]);
    const w = tensor(wData, [s.k, s.k, s.cin, s.cout]);
    const tx = tf.tensor4d(xData, [1, s.h, s.h, s.cin]);
    const tw = tf.tensor4d(wData, [s.k, s.k, s.cin, s.cout]);
    const flops = 2 * s.h * s.h * s.cin * s.cout * s.k * s.k;
    cases.push({
      name: `${s.name} forward`,
      flops,
      ours: async () => {
        const y = conv2d(x, w, { padding: 'same' });
        await y.read();
        y.dispose();
      },
      theirs: async () => {
        const y = tf.conv2d(tx, tw, 1, 'same');
        await y.data();
        y.dispose();
      },
    });
    const seedData = randomData(s.h * s.h * s.cout, 3);
    const seed = tensor(seedData, [1, s.h, s.h, s.cout]);
    const tSeed = tf.tensor4d(seedData, [1, s.h, s.h, s.cout]);
    const tfInputGrad = tf.grad((xi) => tf.conv2d(xi as typeof tx, tw, 1, 'same'));
    cases.push({
      name: `${s.name} input gradient`,
      flops,
      ours: async () => {
        const xi = tensor(xData, [1, s.h, s.h, s.cin]);
        watch(xi);
        const tape = new Tape();
        const gx = tidy(() => {
          const y = tape.record(() => conv2d(xi, w, { padding: 'same' }));
          return tape.backward(y, seed).grads.get(xi)!;
        });
        tape.dispose();
        await gx.read();
        gx.dispose();
        xi.dispose();
      },
      theirs: async () => {
        const gx = tfInputGrad(tx, tSeed);
        await gx.data();
        gx.dispose();
      },
    });
  }
  return cases;
}

function matmulCase(tf: Tf): Case {
  const n = 1024;
  const aData = randomData(n * n, 4);
  const bData = randomData(n * n, 5);
  const a = tensor(aData, [n, n]);
  const b = tensor(bData, [n, n]);
  const ta = tf.tensor2d(aData, [n, n]);
  const tb = tf.tensor2d(bData, [n, n]);
  return {
    name: 'matmul 1024³',
    flops: 2 * n * n * n,
    ours: async () => {
      const y = matmul(a, b);
      await y.read();
      y.dispose();
    },
    theirs: async () => {
      const y = tf.matMul(ta, tb);
      await y.data();
      y.dispose();
    },
  };
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  '));
}

const ms = (t: Timing | undefined) => (t ? t.medianMs.toFixed(0) : '–');
const idle = (t: Timing | undefined) => (t?.idleEquivalentMs !== undefined ? t.idleEquivalentMs.toFixed(0) : '–');
const ratio = (a: Timing, b: Timing | undefined) => (b ? (a.medianMs / b.medianMs).toFixed(2) : '–');

function modelTable(rows: ModelRow[]): string[][] {
  return [
    ['network (random weights, 1 image)', 'ours ms', 'ours idle-eq ms', 'tfjs-webgpu: same work', 'tfjs ms', 'tfjs idle-eq ms', 'ours/theirs'],
    ...rows.map((r) => [`${r.model}: ${r.what}`, ms(r.ours), idle(r.ours), r.theirsWhat ?? '', ms(r.theirs), idle(r.theirs), ratio(r.ours, r.theirs)]),
  ];
}

async function main(): Promise<void> {
  const g = await initGpu();
  const peer = process.env.BENCH_PEER !== '0';
  // The op cases always compare with tfjs; BENCH_PEER=0 only leaves it out of the networks.
  const tf = await tfjsWebgpu(g.api);
  console.log(`adapter: ${g.adapterDescription} (both sides)`);
  console.log('ops: median of 5 runs after 2 warm-ups, each including one read-back');
  const rows: string[][] = [['case', 'ours ms', 'ours GFLOP/s', 'ours idle-eq ms', 'tfjs-webgpu ms', 'tfjs GFLOP/s', 'tfjs idle-eq ms', 'ours/theirs']];
  for (const c of [...convCases(tf), matmulCase(tf)]) {
    const ours = await time(c.ours);
    const theirs = await time(c.theirs);
    const gflops = (ms: number) => (c.flops / (ms * 1e6)).toFixed(2);
    const idleOf = (t: Timing) => (t.idleEquivalentMs !== undefined ? t.idleEquivalentMs.toFixed(1) : '–');
    rows.push([c.name, ours.medianMs.toFixed(1), gflops(ours.medianMs), idleOf(ours), theirs.medianMs.toFixed(1), gflops(theirs.medianMs), idleOf(theirs), (ours.medianMs / theirs.medianMs).toFixed(2)]);
    console.log(`  measured ${c.name}`);
  }
  printTable(rows);

  const wanted = process.env.BENCH_MODELS ?? MODEL_CASES.map((c) => c.model).join(',');
  const cases = MODEL_CASES.filter((c) => wanted.split(',').includes(c.model));
  if (cases.length > 0) {
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    const peerRuns = Number(process.env.BENCH_PEER_RUNS ?? 2);
    const backwardList = process.env.BENCH_PEER_BACKWARD ?? 'resnet50v2';
    const backward = new Set(backwardList === 'all' ? cases.map((c) => c.model) : backwardList.split(','));
    console.log(
      `\nnetworks: ours = median of ${runs} runs after 1 warm-up (the library's computeLowres: forward, read-backs, backward, map); ` +
        `tfjs = median of ${peerRuns} forwards after 1 warm-up, and 1 forward + tf.grad after 1 warm-up for ${[...backward].join(', ')} (BENCH_PEER_BACKWARD=all for every network). ` +
        'idle-eq = lavapipe CPU time ÷ 2 cores (what an idle machine would take with both cores busy; other processes inflate wall time).',
    );
    const modelRows = await benchModels(cases, runs, peer ? { tf, runs: peerRuns, backward } : undefined, (line) => console.log(line));
    printTable(modelTable(modelRows));
  }
  releaseGpu();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

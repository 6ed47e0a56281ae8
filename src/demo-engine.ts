// `npm run demo:engine`: a small residual conv net, forward and backward on the WebGPU device, with
// the adapter and timings printed. Runs behind the command line's stderr filter (src/cli/respawn.ts)
// so that Dawn's start-up warnings stay out of the output.
import { fileURLToPath } from 'node:url';
import { isCliChild, markGpuReady, RAW_STDERR_ENV, runFiltered } from './cli/respawn.js';
import { initGpu, releaseGpu, Tape, tensor, tidy, watch, synchronize, memoryStats } from './tensor/index.js';
import { conv2d } from './ops/conv2d.js';
import { batchNorm } from './ops/batchnorm.js';
import { relu } from './ops/relu.js';
import { add } from './ops/arithmetic.js';
import { globalAvgPool } from './ops/pool.js';
import { dense } from './ops/dense.js';

function seeded(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return a;
}

async function main(): Promise<void> {
  const g = await initGpu();
  markGpuReady();
  console.log(`WebGPU adapter: ${g.adapterDescription}`);
  const [h, w, c, classes] = [56, 56, 64, 10];
  const input = tensor(seeded(h * w * 3, 1, 1), [1, h, w, 3]);
  const stem = tensor(seeded(3 * 3 * 3 * c, 2, 0.3), [3, 3, 3, c]);
  const k1 = tensor(seeded(3 * 3 * c * c, 3, 0.05), [3, 3, c, c]);
  const k2 = tensor(seeded(3 * 3 * c * c, 4, 0.05), [3, 3, c, c]);
  const bn = {
    mean: tensor(seeded(c, 5, 0.1), [c]),
    variance: tensor(
      seeded(c, 6, 0.1).map((v) => 1 + v),
      [c],
    ),
    epsilon: 1.001e-5,
  };
  const fc = tensor(seeded(c * classes, 7, 0.2), [c, classes]);

  const step = () => {
    const tape = new Tape();
    const out = tidy(() => {
      const logits = tape.record(() => {
        const x = watch(relu(conv2d(input, stem, { padding: 'same' })));
        const branch = conv2d(relu(batchNorm(conv2d(x, k1, { padding: 'same' }), bn)), k2, { padding: 'same' });
        const block = watch(add(x, branch));
        return dense(globalAvgPool(relu(block)), fc);
      });
      const { grads } = tape.backward(logits);
      return { logits, grads };
    });
    tape.dispose();
    return out;
  };

  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const { logits, grads } = step();
    const values = await logits.read();
    for (const gr of grads.values()) await gr.read();
    const ms = performance.now() - t0;
    if (i === 0)
      console.log(
        `logits: [${Array.from(values)
          .map((v) => v.toFixed(4))
          .join(', ')}]`,
      );
    console.log(`step ${i + 1}: forward + backward to 2 taps in ${ms.toFixed(1)} ms${i === 0 ? ' (includes shader compilation)' : ''}`);
    logits.dispose();
    for (const gr of grads.values()) gr.dispose();
  }
  await synchronize();
  console.log(
    `live GPU memory after the steps: ${(memoryStats().liveBytes / 1024).toFixed(0)} KiB (weights with their cached filter transforms, and the input)`,
  );
  releaseGpu();
}

if (!isCliChild() && !process.env[RAW_STDERR_ENV]) {
  process.exitCode = await runFiltered(fileURLToPath(import.meta.url), process.argv.slice(2));
} else {
  await main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

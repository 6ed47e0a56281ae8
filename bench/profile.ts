// `npx tsx bench/profile.ts [model] [method]`: where one explanation's GPU time goes. Records every
// dispatch of one run (after a warm-up run), then replays each on scratch buffers of the same sizes,
// repeated in one submit, timing each alone; prints the time per calling op (the first stack
// frame outside src/tensor) and the largest dispatches. The replay reads zeros, so only the kernels'
// costs are seen, not the encoding or read-backs between them (compare the total with the bench's row).
import { computeLowres, isMethodName } from '../src/methods/index.js';
import { dispatch, flush, gpu, initGpu, observeDispatches, synchronize, tensor, type Dispatch } from '../src/tensor/index.js';
import { randomImage, MODEL_CASES } from './models.js';
import { randomNativeModel } from './random-weights.js';
import { nsfwjsMobilenet } from './mobilenet.js';

/** Each dispatch is repeated until a timed batch takes at least this long (the wait's polling costs ~1 ms). */
const BATCH_MS = 20;

interface Recorded {
  d: Dispatch;
  sizes: number[];
  site: string;
}

function callSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const own = frames.find((f) => f.includes('/src/') && !f.includes('/src/tensor/'));
  const m = own?.match(/at (?:([\w.<>$]+) )?\(?.*\/src\/([\w/.-]+):(\d+)/);
  return m ? `${m[1] ?? '?'} (${m[2]})` : 'unknown';
}

async function main(): Promise<void> {
  const [modelName = 'resnet50v2', method = 'gradcam'] = process.argv.slice(2);
  const names = [...MODEL_CASES.map((m) => m.model), 'mobilenetv2'];
  if (!names.includes(modelName)) throw new Error(`model '${modelName}' is not one of ${names.join(', ')}`);
  if (!isMethodName(method)) throw new Error(`method '${method}' is not one of the registry's`);
  await initGpu();
  const c = MODEL_CASES.find((m) => m.model === modelName);
  const model = c ? randomNativeModel(c.model) : (await nsfwjsMobilenet()).model;
  const size = c?.size ?? 224;
  const x = tensor(randomImage(size), [1, size, size, 3]);
  const run = () => computeLowres(model, x, { method, node: method === 'gradcam' ? (c?.target ?? model.definition.defaultTarget) : undefined });
  await run();
  const recorded: Recorded[] = [];
  observeDispatches((d) => {
    const sizes = d.bindings.map((b) => ('buffer' in b ? (b.size ?? b.buffer.size - (b.offset ?? 0)) : b.size));
    recorded.push({ d, sizes, site: callSite() });
  });
  let t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  observeDispatches(undefined);

  const device = gpu().device;
  t0 = performance.now();
  for (let i = 0; i < 10; i++) await synchronize();
  const syncMs = (performance.now() - t0) / 10;
  const bySite = new Map<string, { ms: number; count: number }>();
  const each: { site: string; ms: number; groups: string }[] = [];
  for (const r of recorded) {
    const buffers = r.sizes.map((size) => device.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage: GPUBufferUsage.STORAGE }));
    const replay: Dispatch = { ...r.d, bindings: buffers, flops: 0 };
    t0 = performance.now();
    dispatch(replay);
    await synchronize();
    const repeats = Math.min(200, Math.max(2, Math.ceil(BATCH_MS / (performance.now() - t0))));
    t0 = performance.now();
    for (let i = 0; i < repeats; i++) dispatch(replay);
    flush();
    await synchronize();
    const ms = (performance.now() - t0 - syncMs) / repeats;
    for (const b of buffers) b.destroy();
    const s = bySite.get(r.site) ?? { ms: 0, count: 0 };
    s.ms += ms;
    s.count++;
    bySite.set(r.site, s);
    each.push({ site: r.site, ms, groups: r.d.workgroups.join('×') });
  }
  const total = [...bySite.values()].reduce((a, b) => a + b.ms, 0);
  console.log(`${modelName} ${method}: ${recorded.length} dispatches, replayed total ${total.toFixed(1)} ms (one run's wall ${wall.toFixed(1)} ms)`);
  for (const [site, s] of [...bySite].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${s.ms.toFixed(1).padStart(8)} ms ${((100 * s.ms) / total).toFixed(1).padStart(5)} %  ${String(s.count).padStart(4)}×  ${site}`);
  }
  console.log('largest dispatches:');
  for (const e of each.sort((a, b) => b.ms - a.ms).slice(0, 25)) console.log(`${e.ms.toFixed(2).padStart(8)} ms  ${e.groups.padEnd(14)} ${e.site}`);
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

// Explanations on the full-size networks (random weights, one image): ours through the library's
// own entry point (computeLowres: the forward, the read-back of the logits, the backward, the
// read-back of what the map needs and the map itself on the CPU), against the same networks built
// with @tensorflow/tfjs-layers on tfjs-backend-webgpu on the same adapter (forward, and forward +
// backward to the input with tf.grad). tfjs has no Grad-CAM of its own; its forward is the floor
// of one.
import { tensor, tidy, type Tensor } from '../src/tensor/index.js';
import { computeLowres } from '../src/methods/index.js';
import type { Model } from '../src/models/index.js';
import { peerErrors, tfjsLayersPeer, type PeerModel } from './peer-models.js';
import type { Tf } from './peer-tfjs.js';
import { randomNativeModel } from './random-weights.js';
import { time, type Timing } from './timing.js';

export interface ModelBenchCase {
  model: string;
  size: number;
  /** The default Grad-CAM target (the model definition's). */
  target: string;
  /** Also time guided backprop (backward to the input under the guided ReLU override). */
  guided: boolean;
}

export const MODEL_CASES: readonly ModelBenchCase[] = [
  { model: 'resnet50v2', size: 224, target: 'post_relu', guided: true },
  { model: 'inceptionv3', size: 299, target: 'mixed10', guided: false },
  { model: 'vgg16', size: 224, target: 'block5_conv3', guided: false },
];

export interface ModelRow {
  model: string;
  what: string;
  ours: Timing;
  theirs?: Timing;
  theirsWhat?: string;
}

function randomImage(size: number): Float32Array {
  const a = new Float32Array(size * size * 3);
  let s = 12345;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (2 * s) / 2 ** 32 - 1;
  }
  return a;
}

async function ourForward(model: Model, x: Tensor): Promise<void> {
  const r = tidy(() => model.run(x));
  await r.logits.read();
  r.logits.dispose();
}

/** Times our cases for one network; `runs` timed runs after one warm-up each. */
async function oursFor(c: ModelBenchCase, runs: number, log: (line: string) => void): Promise<Map<string, Timing>> {
  const model = randomNativeModel(c.model);
  const x = tensor(randomImage(c.size), [1, c.size, c.size, 3]);
  const out = new Map<string, Timing>();
  const measure = async (what: string, step: () => Promise<void>) => {
    out.set(what, await time(step, runs, 1));
    log(`  measured ours: ${c.model} ${what}`);
  };
  try {
    await measure('forward', () => ourForward(model, x));
    await measure(`Grad-CAM at ${c.target}`, async () => void (await computeLowres(model, x, { method: 'gradcam', node: c.target })));
    await measure('forward + backward to the input (saliency)', async () => void (await computeLowres(model, x, { method: 'saliency' })));
    if (c.guided) await measure('guided backprop (backward to the input)', async () => void (await computeLowres(model, x, { method: 'guided-backprop' })));
  } finally {
    x.dispose();
    model.dispose();
  }
  return out;
}

interface PeerTimings {
  forward?: Timing;
  backward?: Timing;
  /** What the peer's forward covers when not the whole network. */
  partial?: string;
  /** Why a timing is missing (a WebGPU error on the peer's side). */
  failure?: string;
}

async function theirsFor(tf: Tf, c: ModelBenchCase, runs: number, backward: boolean, log: (line: string) => void): Promise<PeerTimings> {
  const errors = peerErrors(tf);
  const peer: PeerModel = await tfjsLayersPeer(tf, c.model);
  const x = tf.tensor4d(randomImage(c.size), [1, c.size, c.size, 3]);
  const out: PeerTimings = { partial: peer.partial };
  const checked = (what: string, t: Timing): Timing | undefined => {
    const failed = errors.take();
    if (failed.length === 0) return t;
    out.failure = `${what} failed: ${failed[0]}`;
    log(`  tfjs-webgpu ${c.model} ${out.failure}`);
    return undefined;
  };
  try {
    out.forward = checked('forward', await time(async () => {
      const y = peer.forward(x);
      await y.data();
      y.dispose();
    }, runs, 1));
    log(`  measured tfjs-webgpu: ${c.model} forward${peer.partial ? ` (${peer.partial})` : ''}`);
    if (!backward || peer.partial) return out;
    // tf.grad to the input takes 5-10× the forward there: one timed run.
    out.backward = checked('forward + backward', await time(async () => {
      const g = peer.inputGradient(x, 1);
      await g.data();
      g.dispose();
    }, 1, 1));
    log(`  measured tfjs-webgpu: ${c.model} forward + backward to the input`);
  } finally {
    x.dispose();
    peer.dispose();
    errors.stop();
  }
  return out;
}

export interface PeerOptions {
  tf: Tf;
  /** Timed forwards (after one warm-up). */
  runs: number;
  /** Networks whose forward + tf.grad to the input to time too (minutes each on lavapipe). */
  backward: ReadonlySet<string>;
}

/** Our explanations per network, with tfjs-webgpu's forward / forward + backward beside them when a peer is given. */
export async function benchModels(cases: readonly ModelBenchCase[], runs: number, peer: PeerOptions | undefined, log: (line: string) => void): Promise<ModelRow[]> {
  const rows: ModelRow[] = [];
  for (const c of cases) {
    const ours = await oursFor(c, runs, log);
    const theirs = peer ? await theirsFor(peer.tf, c, peer.runs, peer.backward.has(c.model), log) : undefined;
    for (const [what, timing] of ours) {
      // Grad-CAM's backward stops at the target, so tfjs' forward is what it compares with.
      const forwardLike = what === 'forward' || what.startsWith('Grad-CAM');
      const peerTiming = forwardLike ? theirs?.forward : theirs?.backward;
      const peerWhat = forwardLike ? (theirs?.partial ? `forward: ${theirs.partial}` : 'forward') : 'forward + tf.grad to the input';
      rows.push({ model: c.model, what, ours: timing, theirs: peerTiming, theirsWhat: peerTiming ? peerWhat : theirs?.failure });
    }
  }
  return rows;
}

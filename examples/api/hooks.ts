// Research hooks: tap any tensor with `watch`, record a forward on a `Tape`, run backward twice from one
// forward (plain, and with the guided-backprop ReLU override), and check with `memoryStats()` that
// repeated work leaves GPU memory where it was.
// Run: npx tsx examples/api/hooks.ts <image.png|jpg>
// Prints one JSON line: the class, the override count, how much the two input gradients differ, live GPU bytes per round.
import { loadModel, memoryStats, modelInputPixels, readImage, releaseGpu, Tape, tensor, tidy, watch, withOverrides, type Tensor } from 'gradscope';

const file = process.argv[2];
if (!file) throw new Error('usage: hooks.ts <image>');
const model = await loadModel('scenes-resnet');
const { height, width } = model.definition.inputSize;
const pixels = modelInputPixels(await readImage(file), width, height).data;

async function round() {
  const tape = new Tape();
  const x = watch(model.preprocess(pixels)); // a tap on the input: backward delivers d(score)/d(x)
  // tidy releases every intermediate the forward made; the tape keeps what backward needs.
  const { logits, activations } = tidy(() => tape.record(() => model.run(x, { keep: ['post_relu'] })));
  const scores = await logits.read();
  const cls = scores.indexOf(Math.max(...scores));
  const seed = new Float32Array(scores.length);
  seed[cls] = 1; // backward from the class logit, never the softmax
  const backward = () => tidy(() => tape.backward(logits, tensor(seed, logits.shape)));
  const plain = backward();
  const guided = withOverrides({ relu: 'guided' }, backward); // overrides apply while backward runs
  const read = async (grads: Map<Tensor, Tensor>) => (await grads.get(x)?.read()) ?? new Float32Array(0);
  const [gPlain, gGuided] = [await read(plain.grads), await read(guided.grads)];
  for (const t of [x, logits, ...activations.values(), ...plain.grads.values(), ...guided.grads.values()]) t.dispose();
  tape.dispose();
  let differ = 0;
  for (let i = 0; i < gPlain.length; i++) if (gPlain[i] !== gGuided[i]) differ++;
  return { cls, overriddenRelus: guided.overridden.relu ?? 0, differ: differ / gPlain.length, plainNonZero: gPlain.some((v) => v !== 0) };
}

// The first round also builds the weights' cached convolution transforms (they live as long as the
// model), so the baseline is taken after it; from then on, rounds must leave live bytes unchanged.
const rounds: Awaited<ReturnType<typeof round>>[] = [await round()];
const liveBytes = [memoryStats().liveBytes];
for (let i = 0; i < 3; i++) {
  rounds.push(await round());
  liveBytes.push(memoryStats().liveBytes);
}
const last = rounds[rounds.length - 1];
console.log(JSON.stringify({ ...last, label: model.definition.labels[last.cls], liveBytes }));
model.dispose();
releaseGpu();

import { afterEach, describe, expect, it } from 'vitest';
import { ShapeError, Tape, tensor, watch, type Tensor } from '../../src/tensor/index.js';
import { dense } from '../../src/ops/dense.js';
import { setMaxBindingBytesForTests } from '../../src/ops/matmul.js';
import { expectClose, maxAbs, randomArray } from '../helpers.js';
import { tfjs, type Tf } from '../tfjs.js';
import { denseRef } from '../reference/matmul.js';
import { numericGradient } from '../reference/grad.js';

interface Case {
  batch: number;
  inputs: number;
  outputs: number;
  bias: boolean;
}

const name = (c: Case) => `x [${c.batch}, ${c.inputs}] · w [${c.inputs}, ${c.outputs}]${c.bias ? ' + bias' : ''}`;

function data(c: Case, seed: number) {
  return {
    xv: randomArray(c.batch * c.inputs, seed),
    wv: randomArray(c.inputs * c.outputs, seed + 1),
    bv: c.bias ? randomArray(c.outputs, seed + 2) : undefined,
    sv: randomArray(c.batch * c.outputs, seed + 3),
  };
}

type TfTensor = ReturnType<Tf['tensor']>;
const tfDense = (tf: Tf, x: TfTensor, w: TfTensor, b?: TfTensor) => (b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w));

/** Runs dense with gradients for every input; returns forward output and gradients. */
async function run(c: Case, d: ReturnType<typeof data>) {
  const x = watch(tensor(d.xv, [c.batch, c.inputs]));
  const w = tensor(d.wv, [c.inputs, c.outputs]);
  w.requiresGrad = true;
  let b: Tensor | undefined;
  if (d.bv) {
    b = tensor(d.bv, [c.outputs]);
    b.requiresGrad = true;
  }
  const tape = new Tape();
  const y = tape.record(() => dense(x, w, b));
  const { grads } = tape.backward(y, tensor(d.sv, [c.batch, c.outputs]));
  const out = {
    y: await y.read(),
    gx: await grads.get(x)!.read(),
    gw: await grads.get(w)!.read(),
    gb: b ? await grads.get(b)!.read() : undefined,
  };
  tape.dispose();
  return out;
}

const cases: Case[] = [
  { batch: 3, inputs: 7, outputs: 5, bias: true },
  { batch: 2, inputs: 16, outputs: 12, bias: true },
  { batch: 9, inputs: 8, outputs: 6, bias: false },
  { batch: 1, inputs: 20, outputs: 10, bias: true },
];

describe('dense', () => {
  for (const c of cases) {
    it(`${name(c)}: forward vs float64 and tfjs (rtol 1e-5, atol 1e-5); dX, dW, db vs tf.grads and central differences (rtol 1e-5, atol 1e-5)`, async () => {
      const d = data(c, c.inputs * 10 + c.outputs);
      const got = await run(c, d);
      const xs = [c.batch, c.inputs],
        ws = [c.inputs, c.outputs];
      expectClose(got.y, denseRef(d.xv, xs, d.wv, ws, d.bv), 1e-5, 1e-5, 'y vs float64');

      const tf = await tfjs();
      const tx = tf.tensor(d.xv, xs),
        tw = tf.tensor(d.wv, ws);
      expectClose(got.y, tfDense(tf, tx, tw, d.bv ? tf.tensor(d.bv, [c.outputs]) : undefined).dataSync(), 1e-5, 1e-5, 'y vs tfjs');
      const seed = tf.tensor(d.sv, [c.batch, c.outputs]);
      if (d.bv) {
        const [gx, gw, gb] = tf.grads((x: TfTensor, w: TfTensor, b: TfTensor) => tfDense(tf, x, w, b))([tx, tw, tf.tensor(d.bv, [c.outputs])], seed);
        expectClose(got.gx, gx.dataSync(), 1e-5, 1e-5, 'dX vs tfjs');
        expectClose(got.gw, gw.dataSync(), 1e-5, 1e-5, 'dW vs tfjs');
        expectClose(got.gb!, gb.dataSync(), 1e-5, 1e-5, 'db vs tfjs');
      } else {
        const [gx, gw] = tf.grads((x: TfTensor, w: TfTensor) => tfDense(tf, x, w))([tx, tw], seed);
        expectClose(got.gx, gx.dataSync(), 1e-5, 1e-5, 'dX vs tfjs');
        expectClose(got.gw, gw.dataSync(), 1e-5, 1e-5, 'dW vs tfjs');
      }

      expectClose(
        got.gx,
        numericGradient((x) => denseRef(x, xs, d.wv, ws, d.bv), d.xv, d.sv),
        1e-5,
        1e-5,
        'dX vs central differences',
      );
      expectClose(
        got.gw,
        numericGradient((w) => denseRef(d.xv, xs, w, ws, d.bv), d.wv, d.sv),
        1e-5,
        1e-5,
        'dW vs central differences',
      );
      if (d.bv)
        expectClose(
          got.gb!,
          numericGradient((b) => denseRef(d.xv, xs, d.wv, ws, b), d.bv, d.sv),
          1e-5,
          1e-5,
          'db vs central differences',
        );
    });
  }

  it('computes no weight gradient when only the input needs one', () => {
    const x = watch(tensor(randomArray(6, 1), [2, 3]));
    const w = tensor(randomArray(12, 2), [3, 4]);
    const b = tensor(randomArray(4, 3), [4]);
    const tape = new Tape();
    const y = tape.record(() => dense(x, w, b));
    const { grads } = tape.backward(y);
    expect([...grads.keys()]).toEqual([x]);
    tape.dispose();
  });
});

describe('dense with weights larger than one storage binding', () => {
  afterEach(() => setMaxBindingBytesForTests(undefined));

  // With a 4 KiB limit the [150, 36] weight (21.6 KB) is split along its rows (K): the bias must
  // be added once and the chunks accumulated; dX splits along N, dW along its rows (M).
  for (const c of [
    { batch: 1, inputs: 150, outputs: 36, bias: true },
    { batch: 3, inputs: 101, outputs: 30, bias: true },
  ]) {
    it(`${name(c)} with a 4 KiB binding limit: forward, dX, dW, db vs float64 (rtol 1e-5, atol 1e-4)`, async () => {
      setMaxBindingBytesForTests(4096);
      const d = data(c, 77 + c.batch);
      const got = await run(c, d);
      const xs = [c.batch, c.inputs],
        ws = [c.inputs, c.outputs];
      expectClose(got.y, denseRef(d.xv, xs, d.wv, ws, d.bv), 1e-5, 1e-4, 'y vs float64');
      const tf = await tfjs();
      const [gx, gw, gb] = tf.grads((x: TfTensor, w: TfTensor, b: TfTensor) => tfDense(tf, x, w, b))(
        [tf.tensor(d.xv, xs), tf.tensor(d.wv, ws), tf.tensor(d.bv!, [c.outputs])],
        tf.tensor(d.sv, [c.batch, c.outputs]),
      );
      expectClose(got.gx, gx.dataSync(), 1e-5, 1e-4, 'dX vs tfjs');
      expectClose(got.gw, gw.dataSync(), 1e-5, 1e-4, 'dW vs tfjs');
      expectClose(got.gb!, gb.dataSync(), 1e-5, 1e-4, 'db vs tfjs');
    });
  }

  it('a 25088×64 weight (6.4 MB) under a 1 MiB limit: like VGG16 fc1 in miniature (vs float64, rtol 1e-4, atol 1e-4·max|y|)', async () => {
    setMaxBindingBytesForTests(1 << 20);
    const c = { batch: 1, inputs: 25088, outputs: 64, bias: true };
    const d = data(c, 5);
    const x = tensor(d.xv, [1, c.inputs]);
    const y = await dense(x, tensor(d.wv, [c.inputs, c.outputs]), tensor(d.bv!, [c.outputs])).read();
    const ref = denseRef(d.xv, [1, c.inputs], d.wv, [c.inputs, c.outputs], d.bv);
    expectClose(y, ref, 1e-4, 1e-4 * maxAbs(ref), 'y');
  });
});

describe('dense bad inputs', () => {
  it('rejects a wrong rank and a weight that does not match, naming both shapes', () => {
    const x = tensor(randomArray(12, 1), [2, 2, 3]);
    const w = tensor(randomArray(12, 2), [3, 4]);
    expect(() => dense(x, w)).toThrow(ShapeError);
    expect(() => dense(x, w)).toThrow(/dense.*\[2, 2, 3\]/);
    const x2 = tensor(randomArray(10, 1), [2, 5]);
    expect(() => dense(x2, w)).toThrow(/dense: expected .*given x \[2, 5\], weights \[3, 4\]/);
    const x3 = tensor(randomArray(6, 1), [2, 3]);
    expect(() => dense(x3, w, tensor([1, 2, 3], [3]))).toThrow(/bias \[4\].*given bias \[3\]/);
  });
});

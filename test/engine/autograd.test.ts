import { describe, expect, it } from 'vitest';
import { Tape, tensor, tidy, watch, withOverrides } from '../../src/tensor/index.js';
import { relu } from '../../src/ops/relu.js';
import { add, mul, mulScalar } from '../../src/ops/arithmetic.js';
import { expectClose, expectSteadyMemory, randomArray } from '../helpers.js';

describe('autodiff tape', () => {
  it('differentiates y = relu(a·b + a)·3 by hand-derived rules (exact in float32)', async () => {
    const av = randomArray(24, 1),
      bv = randomArray(24, 2);
    const a = watch(tensor(av, [2, 3, 4]));
    const b = watch(tensor(bv, [2, 3, 4]));
    const tape = new Tape();
    const y = tape.record(() => mulScalar(relu(add(mul(a, b), a)), 3));
    const { grads } = tape.backward(y);
    const ga = await grads.get(a)!.read();
    const gb = await grads.get(b)!.read();
    const expA = new Float32Array(24),
      expB = new Float32Array(24);
    for (let i = 0; i < 24; i++) {
      const pre = Math.fround(Math.fround(av[i] * bv[i]) + av[i]);
      const on = pre > 0 ? 3 : 0;
      expA[i] = on * (bv[i] + 1);
      expB[i] = on * av[i];
    }
    expectClose(ga, expA, 1e-6, 1e-6, 'dy/da');
    expectClose(gb, expB, 1e-6, 1e-6, 'dy/db');
    tape.dispose();
  });

  it('stops below a tap: ops before the watched tensor are not recorded', () => {
    const x = tensor(randomArray(8, 3), [8]);
    const tape = new Tape();
    const y = tape.record(() => {
      const h = relu(mulScalar(x, 2));
      watch(h);
      return mulScalar(relu(h), 0.5);
    });
    expect(tape.entries.map((e) => e.kind)).toEqual(['relu', 'mul']);
    const { grads } = tape.backward(y);
    expect(grads.size).toBe(1);
    tape.dispose();
  });

  it('guided and deconvnet overrides change the ReLU backward and are counted', async () => {
    const xv = Float32Array.from([-1, 2, 3, -4]);
    const seedv = Float32Array.from([5, -6, 7, 8]);
    const x = watch(tensor(xv, [4]));
    const tape = new Tape();
    const y = tape.record(() => relu(relu(x)));
    const seed = tensor(seedv, [4]);
    const plain = tape.backward(y, seed);
    const guided = withOverrides({ relu: 'guided' }, () => tape.backward(y, seed));
    const deconv = withOverrides({ relu: 'deconvnet' }, () => tape.backward(y, seed));
    expect(Array.from(await plain.grads.get(x)!.read())).toEqual([0, -6, 7, 0]);
    expect(Array.from(await guided.grads.get(x)!.read())).toEqual([0, 0, 7, 0]);
    expect(Array.from(await deconv.grads.get(x)!.read())).toEqual([5, 0, 7, 8]);
    expect(plain.overridden).toEqual({});
    expect(guided.overridden).toEqual({ relu: 2 });
    expect(() => withOverrides({ add: 'guided' }, () => tape.backward(y, seed))).not.toThrow();
    tape.dispose();
  });

  it('accumulates gradients of a tensor used twice', async () => {
    const x = watch(tensor([1, -2, 3], [3]));
    const tape = new Tape();
    const y = tape.record(() => add(x, x));
    const { grads } = tape.backward(y);
    expect(Array.from(await grads.get(x)!.read())).toEqual([2, 2, 2]);
    tape.dispose();
  });

  it('tidy releases intermediates; repeated forward+backward does not grow live GPU memory', async () => {
    const x = tensor(randomArray(64, 4), [4, 4, 4]);
    const w = tensor(randomArray(4, 5), [4]);
    const step = () => {
      const tape = new Tape();
      const g = tidy(() => {
        const y = tape.record(() => {
          const h = watch(relu(add(x, w)));
          return mulScalar(relu(mul(h, w)), 2);
        });
        return tape.backward(y).grads;
      });
      tape.dispose();
      for (const t of g.values()) t.dispose();
    };
    await expectSteadyMemory(step, { repeats: 200, pooled: true });
  });
});

// Read-back waits: while a map is pending, setImmediate is deferred (so Dawn's polling does not spin
// a core lavapipe needs) and restored afterwards, also when reads overlap; clearImmediate keeps
// working for handles made during and before a wait. Values read back are exact copies (reference:
// the uploaded data itself).
import { describe, expect, it } from 'vitest';
import { synchronize, tensor } from '../../src/tensor/index.js';

describe('read-back waits', () => {
  it('swap setImmediate only while waiting, restore it after overlapping reads, and return exact data', async () => {
    const native = globalThis.setImmediate;
    const a = tensor([1, 2, 3], [3]);
    const b = tensor([4, 5], [2]);
    const reads = Promise.all([a.read(), b.read(), synchronize()]);
    await Promise.resolve();
    expect(globalThis.setImmediate).not.toBe(native);
    // Scheduled during the wait: it still runs.
    const ran = await new Promise<boolean>((resolve) => globalThis.setImmediate(() => resolve(true)));
    expect(ran).toBe(true);
    const [va, vb] = await reads;
    expect(Array.from(va)).toEqual([1, 2, 3]);
    expect(Array.from(vb)).toEqual([4, 5]);
    expect(globalThis.setImmediate).toBe(native);
  });

  it('clearImmediate cancels handles made during a wait and before it', async () => {
    const t = tensor([7], [1]);
    let duringFired = false;
    let beforeFired = false;
    const before = setImmediate(() => (beforeFired = true));
    const read = t.read();
    const during = globalThis.setImmediate(() => (duringFired = true));
    clearImmediate(during);
    clearImmediate(before);
    await read;
    await new Promise((r) => setTimeout(r, 20));
    expect(duringFired).toBe(false);
    expect(beforeFired).toBe(false);
    // Immediates made now are real ones again.
    expect(await new Promise<boolean>((resolve) => setImmediate(() => resolve(true)))).toBe(true);
  });
});

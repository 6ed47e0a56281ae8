// Read-back waits: while a map is pending, setImmediate is deferred (so Dawn's polling does not spin
// a core lavapipe needs) and restored afterwards, also when reads overlap; clearImmediate keeps
// working for handles made during and before a wait. Values read back are exact copies (reference:
// the uploaded data itself).
import { describe, expect, it } from 'vitest';
import { synchronize, tensor } from '../../src/tensor/index.js';
import { stagingStats, trimStaging } from '../../src/tensor/readback.js';

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

  it('staging buffers are pooled: repeated reads reuse them, overlapping reads each get their own, values stay exact', async () => {
    trimStaging();
    const a = tensor([1, 2, 3, 4, 5], [5]);
    const b = tensor([6, 7, 8, 9, 10], [5]);
    // Two reads in flight at once need two staging buffers of the same size class.
    const [va, vb] = await Promise.all([a.read(), b.read()]);
    expect(Array.from(va)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(vb)).toEqual([6, 7, 8, 9, 10]);
    const after = stagingStats();
    expect(after.buffers).toBe(2);
    for (let i = 0; i < 5; i++) {
      const [ra, rb] = await Promise.all([a.read(), b.read()]);
      expect(Array.from(ra)).toEqual([1, 2, 3, 4, 5]);
      expect(Array.from(rb)).toEqual([6, 7, 8, 9, 10]);
    }
    expect(stagingStats(), 'no staging buffer added by the repeated reads').toEqual(after);
    // A pooled buffer larger than the read (same size class) returns only the bytes asked for.
    const c = tensor([11, 12, 13], [3]);
    expect(Array.from(await c.read())).toEqual([11, 12, 13]);
    // Bounded: nine overlapping reads of one size class keep 4 buffers afterwards.
    await Promise.all(Array.from({ length: 9 }, () => a.read()));
    expect(stagingStats().buffers).toBe(4);
    trimStaging();
    expect(stagingStats()).toEqual({ buffers: 0, bytes: 0 });
    for (const t of [a, b, c]) t.dispose();
  });
});

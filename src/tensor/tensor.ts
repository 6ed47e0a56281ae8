// A tensor: a shape and float32 storage on the GPU, NHWC for images. Reading it back is the
// only operation that waits for the GPU.
import { gpu } from './gpu.js';
import { acquireBuffer, releaseBuffer } from './memory.js';
import { currentEncoder, flush } from './kernel.js';
import { readBuffer } from './readback.js';
import { keep, trackInScope } from './scope.js';
import { unwatchWrites, watchWrites } from './written.js';
import { fmt, type Shape, sizeOf, ShapeError } from './shape.js';

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly size: number;
  /** Set on parameters when training, on inputs for input gradients, and on taps. */
  requiresGrad = false;
  private storage: GPUBuffer | null;
  private holders = 1;
  private ownerReleased = false;
  private derivedTensors?: Map<string, Tensor>;

  constructor(shape: Shape, buffer?: GPUBuffer) {
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError('tensor', 'non-negative integer dimensions', fmt(shape));
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.storage = buffer ?? acquireBuffer(Math.max(this.size, 1) * 4);
    trackInScope(this);
  }

  get buffer(): GPUBuffer {
    if (!this.storage) throw new Error(`tensor #${this.id} ${fmt(this.shape)} was used after it was disposed`);
    return this.storage;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.storage === null;
  }

  /** Another holder (e.g. the autodiff tape) keeps the storage alive until it calls release(). */
  retain(): this {
    this.buffer;
    this.holders++;
    return this;
  }

  release(): void {
    if (this.holders <= 0) return;
    this.holders--;
    if (this.holders === 0 && this.storage) {
      if (this.derivedTensors) unwatchWrites(this.storage);
      releaseBuffer(this.storage);
      this.storage = null;
      this.dropDerived();
    }
  }

  private dropDerived(): void {
    for (const t of this.derivedTensors?.values() ?? []) t.dispose();
    this.derivedTensors = undefined;
  }

  /**
   * A tensor computed once from this one's contents (e.g. a convolution's transformed filter),
   * released with this tensor's storage, and dropped when anything writes this tensor in place (an
   * optimizer step: kernel.ts reports every read_write binding and copy destination to written.ts),
   * so it never outlives the contents it was made from. `make` runs inside the caller's scopes,
   * but its result is kept out of them.
   */
  derived(key: string, make: () => Tensor): Tensor {
    const storage = this.buffer;
    const known = this.derivedTensors?.get(key);
    if (known) return known;
    const t = keep(make());
    if (!this.derivedTensors) {
      this.derivedTensors = new Map();
      watchWrites(storage, () => this.dropDerived());
    }
    this.derivedTensors.set(key, t);
    return t;
  }

  /** Drops the owner's hold; idempotent. Storage returns to the pool when no holder is left. */
  dispose(): void {
    if (this.ownerReleased) return;
    this.ownerReleased = true;
    this.release();
  }

  async read(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.buffer, 0, this.size * 4));
  }

  toString(): string {
    return `Tensor#${this.id}${fmt(this.shape)}`;
  }
}

/** Uploads host data into a new tensor. */
export function tensor(data: ArrayLike<number>, shape: Shape): Tensor {
  const n = sizeOf(shape);
  if (data.length !== n) throw new ShapeError('tensor', `${n} values for shape ${fmt(shape)}`, `${data.length} values`);
  const t = new Tensor(shape);
  // Pending commands may still read this pooled buffer's previous contents, and writeBuffer
  // runs ahead of unsubmitted work: submit them first.
  flush();
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  if (n > 0) gpu().device.queue.writeBuffer(t.buffer, 0, values.buffer, values.byteOffset, n * 4);
  return t;
}

/** A tensor with unspecified contents, for kernels to write into. */
export function empty(shape: Shape): Tensor {
  return new Tensor(shape);
}

export function zeros(shape: Shape): Tensor {
  const t = new Tensor(shape);
  if (t.size > 0) {
    flush();
    currentEncoder().clearBuffer(t.buffer, 0, Math.ceil((t.size * 4) / 4) * 4);
  }
  return t;
}

export function scalar(value: number): Tensor {
  return tensor([value], []);
}

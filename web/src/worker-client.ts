// The page's side of the compute worker: one request at a time, progress forwarded, and cancel =
// terminate the worker (the only way to stop GPU work mid-method) and start a fresh one, which
// reloads the current model before it takes the next request.
import type { Envelope, Reply, Request } from './protocol.js';

type Settle = { resolve: (r: Reply) => void; reject: (e: Error) => void; onProgress: (stage: string, fraction?: number) => void };

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Settle>();
  private chain: Promise<unknown> = Promise.resolve();
  /** The last model loaded, replayed into a fresh worker after a cancel. */
  private lastLoad?: Extract<Request, { kind: 'load' }>;

  constructor() {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.addEventListener('message', (event: MessageEvent<Envelope<Reply>>) => {
      const { id, body } = event.data;
      const settle = this.pending.get(id);
      if (!settle) return;
      if (body.kind === 'progress') return settle.onProgress(body.stage, body.fraction);
      this.pending.delete(id);
      if (body.kind === 'error') settle.reject(new Error(body.message));
      else settle.resolve(body);
    });
    w.addEventListener('error', (event) => {
      for (const s of this.pending.values()) s.reject(new Error(`the compute worker failed: ${event.message}`));
      this.pending.clear();
    });
    return w;
  }

  private send(req: Request, onProgress: (stage: string, fraction?: number) => void): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, body: req } satisfies Envelope<Request>);
    });
  }

  /** Requests run one after another, in the order made. */
  request(req: Request, onProgress: (stage: string, fraction?: number) => void = () => {}): Promise<Reply> {
    const run = async () => {
      const reply = await this.send(req, onProgress);
      if (req.kind === 'load') this.lastLoad = req;
      return reply;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Stops whatever runs now; queued requests fail too. The fresh worker reloads the last model. */
  cancel(): void {
    this.worker.terminate();
    for (const s of this.pending.values()) s.reject(new CancelledError());
    this.pending.clear();
    this.worker = this.spawn();
    this.chain = Promise.resolve();
    if (this.lastLoad) void this.request(this.lastLoad).catch(() => undefined);
  }
}

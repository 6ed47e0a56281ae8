import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERAS_IMAGENET_WEIGHTS, WeightDownloadError, downloadVerified, fetchKerasWeights } from '../../tools/convert-weights/fetch.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-fetch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<WeightDownloadError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WeightDownloadError);
  expect((e as Error).message).not.toContain('\n');
  return e as WeightDownloadError;
}

describe('official Keras weight sources', () => {
  it('lists the include_top .h5 files with their md5 from keras/applications', () => {
    expect(KERAS_IMAGENET_WEIGHTS.vgg16.url).toMatch(/\/vgg16_weights_tf_dim_ordering_tf_kernels\.h5$/);
    for (const s of Object.values(KERAS_IMAGENET_WEIGHTS)) {
      expect(s.url).toMatch(/^https:\/\/storage\.googleapis\.com\/tensorflow\/keras-applications\/.*_tf_kernels\.h5$/);
      expect(s.md5).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('offline (or given only 3 s) fails in one line naming the URL and how to convert a file from elsewhere', async () => {
    const e = await failure(fetchKerasWeights('vgg16', dir, { timeoutMs: 3000, idleTimeoutMs: 3000 }));
    expect(e.url).toBe(KERAS_IMAGENET_WEIGHTS.vgg16.url);
    expect(e.message).toContain(`Could not download ${KERAS_IMAGENET_WEIGHTS.vgg16.url}: `);
    expect(e.message).toContain('npx gradscope convert <file.h5> --arch vgg16 --out weights/vgg16.safetensors');
    expect(readdirSync(dir)).toEqual([]);
  }, 15_000);
});

describe('download with md5 verification (against a local HTTP server)', () => {
  const body = Buffer.from('pretend these are 64 bytes of HDF5 weights, exactly sixty-four!!');
  const md5 = createHash('md5').update(body).digest('hex');
  let server: Server;
  let base = '';
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/w.h5') res.writeHead(200, { 'content-length': body.length }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps a file whose md5 matches, and does not download it again', async () => {
    const dest = join(dir, 'ok', 'w.h5');
    const progress: number[] = [];
    expect(await downloadVerified(`${base}/w.h5`, md5, dest, { onProgress: (n) => progress.push(n) })).toBe(dest);
    expect(readFileSync(dest)).toEqual(body);
    expect(progress[progress.length - 1]).toBe(body.length);
    const before = requests;
    await downloadVerified(`${base}/w.h5`, md5, dest);
    expect(requests).toBe(before);
  });

  it('rejects a wrong md5 and leaves nothing behind', async () => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const e = await failure(downloadVerified(`${base}/w.h5`, '0'.repeat(32), join(sub, 'w.h5'), { hint: 'Try X.' }));
    expect(e.message).toBe(
      `Could not download ${base}/w.h5: the downloaded file's md5 is ${md5}, expected ${'0'.repeat(32)} ` +
        '(corrupt or changed download; nothing was kept). Try X.',
    );
    expect(readdirSync(sub)).toEqual([]);
  });

  it('reports HTTP errors', async () => {
    const dest = join(dir, 'missing.h5');
    const e = await failure(downloadVerified(`${base}/nope.h5`, md5, dest));
    expect(e.message).toMatch(/HTTP 404/);
    expect(existsSync(dest)).toBe(false);
  });
});

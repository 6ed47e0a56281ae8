// The official Keras ImageNet weights (include_top files) and a download that verifies their md5, as
// keras.utils.get_file does. Offline, or when the host is unreachable, it fails in one line that names
// the URL and says how to convert a copy of the file obtained some other way.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type KerasZooName = 'resnet50v2' | 'vgg16' | 'inceptionv3';

export interface KerasWeightsSource {
  readonly url: string;
  /** md5 from keras/applications/*.py (`file_hash=` of the include_top file). */
  readonly md5: string;
}

// From keras/applications/resnet.py (WEIGHTS_HASHES['resnet50v2'][0]), vgg16.py and inception_v3.py.
export const KERAS_IMAGENET_WEIGHTS: Readonly<Record<KerasZooName, KerasWeightsSource>> = {
  resnet50v2: {
    url: 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels.h5',
    md5: '3ef43a0b657b3be2300d5770ece849e0',
  },
  vgg16: {
    url: 'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5',
    md5: '64373286793e3c8b2b4e3219cbf3544b',
  },
  inceptionv3: {
    url: 'https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5',
    md5: '9a0d58056eeedaa3f26cb7ebd46da564',
  },
};

export class WeightDownloadError extends Error {
  readonly url: string;
  constructor(url: string, problem: string, hint?: string) {
    super(`Could not download ${url}: ${problem.replace(/\s+/g, ' ').trim()}.${hint ? ` ${hint}` : ''}`);
    this.name = 'WeightDownloadError';
    this.url = url;
  }
}

export function conversionHint(arch: string): string {
  return `If you have the file from elsewhere, convert it with: npx gradscope convert <file.h5> --arch ${arch} --out weights/${arch}.safetensors`;
}

export interface DownloadOptions {
  /** Abort when no bytes arrive for this long (ms). Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Abort the whole download after this long (ms). Default: no limit. */
  readonly timeoutMs?: number;
  /** Appended to every error message (what to do instead). */
  readonly hint?: string;
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export function md5OfFile(path: string): string {
  const hash = createHash('md5');
  const fd = openSync(path, 'r');
  try {
    const chunk = new Uint8Array(8 << 20);
    for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function describeFailure(e: unknown, abortReason: string | undefined): string {
  if (abortReason) return abortReason;
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN' ? ' (offline or no DNS?)' : ''}`;
  return cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Downloads `url` to `dest` if `dest` is not already there with the right md5, verifying the md5 of
 * what arrives. The file appears under its final name only when complete and verified.
 */
export async function downloadVerified(url: string, md5: string, dest: string, options: DownloadOptions = {}): Promise<string> {
  if (existsSync(dest) && md5OfFile(dest) === md5) return dest;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let abortReason: string | undefined;
  const abort = (reason: string) => {
    abortReason ??= reason;
    controller.abort();
  };
  const idle = () => setTimeout(() => abort(`no data for ${idleTimeoutMs / 1000} s (offline or host unreachable?)`), idleTimeoutMs);
  let timer = idle();
  const overall = options.timeoutMs === undefined ? undefined : setTimeout(() => abort(`gave up after ${options.timeoutMs! / 1000} s`), options.timeoutMs);
  const stillAlive = () => {
    clearTimeout(timer);
    timer = idle();
  };
  mkdirSync(dirname(dest), { recursive: true });
  const temp = join(dirname(dest), `.${basename(dest)}.${process.pid}.download`);
  let fd: number | undefined;
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) throw new WeightDownloadError(url, `HTTP ${response.status} ${response.statusText}`, options.hint);
    const total = Number(response.headers.get('content-length')) || undefined;
    const hash = createHash('md5');
    fd = openSync(temp, 'w');
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      stillAlive();
      hash.update(chunk);
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
      received += chunk.length;
      options.onProgress?.(received, total);
    }
    closeSync(fd);
    fd = undefined;
    const got = hash.digest('hex');
    if (got !== md5)
      throw new WeightDownloadError(url, `the downloaded file's md5 is ${got}, expected ${md5} (corrupt or changed download; nothing was kept)`, options.hint);
    renameSync(temp, dest);
    return dest;
  } catch (e) {
    if (e instanceof WeightDownloadError) throw e;
    throw new WeightDownloadError(url, describeFailure(e, abortReason), options.hint);
  } finally {
    clearTimeout(timer);
    clearTimeout(overall);
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
  }
}

/** Downloads (or finds already downloaded) the official Keras ImageNet .h5 for `arch` into `dir`. */
export function fetchKerasWeights(arch: KerasZooName, dir = 'weights', options: DownloadOptions = {}): Promise<string> {
  const source = KERAS_IMAGENET_WEIGHTS[arch];
  const dest = join(dir, basename(new URL(source.url).pathname));
  return downloadVerified(source.url, source.md5, dest, { hint: conversionHint(arch), ...options });
}

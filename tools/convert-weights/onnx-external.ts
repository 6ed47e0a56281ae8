// External data files of an ONNX model (data_location EXTERNAL: `location`/`offset`/`length` relative to
// the model file's directory), read from disk: the Node side of onnx-tensor.ts's ExternalSource.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { WeightFileError } from '../../src/models/safetensors.js';
import type { RawEntry } from './onnx-proto.js';
import type { ExternalSource } from './onnx-tensor.js';

/** Where external data files are found and read, shared by all tensors of one model. */
export class ExternalData implements ExternalSource {
  private readonly fds = new Map<string, number>();
  constructor(
    readonly modelFile: string,
    readonly baseDir: string,
  ) {}

  read(tensorName: string, entries: readonly RawEntry[], expectedBytes: number): Uint8Array {
    const keys = new Map(entries.map((e) => [e.key ?? '', e.value ?? '']));
    const location = keys.get('location');
    if (!location) throw new WeightFileError(this.modelFile, `tensor '${tensorName}' is EXTERNAL but has no 'location'`);
    const path = resolve(this.baseDir, location);
    const rel = relative(this.baseDir, path);
    if (isAbsolute(location) || rel.startsWith('..') || isAbsolute(rel)) {
      throw new WeightFileError(this.modelFile, `tensor '${tensorName}': external data location '${location}' is outside the model's directory`);
    }
    const offset = Number(keys.get('offset') ?? '0');
    let fd = this.fds.get(path);
    if (fd === undefined) {
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        throw new WeightFileError(
          path,
          `cannot read external data of tensor '${tensorName}' in ${this.modelFile} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        );
      }
      this.fds.set(path, fd);
    }
    const size = fstatSync(fd).size;
    const length = keys.has('length') ? Number(keys.get('length')) : size - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new WeightFileError(this.modelFile, `tensor '${tensorName}': bad external offset/length '${keys.get('offset')}'/'${keys.get('length')}'`);
    }
    if (offset + length > size) {
      throw new WeightFileError(path, `external data of tensor '${tensorName}' [${offset}, ${offset + length}) runs past the end of the file (${size} bytes)`);
    }
    if (length !== expectedBytes) {
      throw new WeightFileError(this.modelFile, `tensor '${tensorName}' needs ${expectedBytes} bytes but its external data length is ${length}`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors, type NamedTensor } from '../../src/models/safetensors.js';
import { readSafetensors, writeSafetensors } from '../../src/models/safetensors-file.js';
import { readWeightsFile, sha256OfFile, writeWeightsFile, type WeightsMetadata } from '../../src/models/weights-file.js';
import { expectFileError } from './expect-file-error.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file assembled by hand from the format description, independent of our writer. */
function handMade(header: object, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while (json.length % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

const tensors = new Map<string, NamedTensor>([
  ['conv1/kernel', { shape: [3, 3, 3, 2], data: Float32Array.from({ length: 54 }, (_, i) => Math.fround(Math.sin(i) * 10)) }],
  ['conv1/bias', { shape: [2], data: Float32Array.of(-0, 1e-30) }],
  ['scalar', { shape: [], data: Float32Array.of(Math.PI) }],
  ['empty', { shape: [0, 4], data: new Float32Array(0) }],
]);

describe('safetensors writer and reader (values round-trip bit-exactly)', () => {
  it('writes the documented layout: u64 LE header length, space-padded JSON to 8 bytes, F32 data in order', () => {
    const path = join(dir, 'a.safetensors');
    writeSafetensors(path, tensors, { note: 'hello' });
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text).toMatch(/^\{.*\} *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    expect(header.__metadata__).toEqual({ note: 'hello' });
    expect(header['conv1/kernel']).toEqual({ dtype: 'F32', shape: [3, 3, 3, 2], data_offsets: [0, 216] });
    expect(header['conv1/bias']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [216, 224] });
    expect(header.empty.data_offsets).toEqual([228, 228]);
    expect(bytes.length).toBe(8 + n + 228);
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n, bytes.byteOffset + 8 + n + 216))).toEqual(tensors.get('conv1/kernel')!.data);
    const back = readSafetensors(path);
    expect(back.metadata).toEqual({ note: 'hello' });
    expect([...back.tensors.keys()]).toEqual(['conv1/kernel', 'conv1/bias', 'scalar', 'empty']);
    for (const [name, t] of tensors) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(Buffer.from(back.tensors.get(name)!.data.buffer, back.tensors.get(name)!.data.byteOffset, t.data.byteLength)).toEqual(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      );
    }
    expect(serializeSafetensors(tensors, { note: 'hello' })).toEqual(new Uint8Array(bytes));
  });

  it('reads F16 and BF16 (hand-made file, header keys out of offset order) to the exact float32 values', () => {
    // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +inf.  BF16: 1, -3.140625, 2^-133 (subnormal), NaN.
    const f16 = u16([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00]);
    const bf16 = u16([0x3f80, 0xc049, 0x0001, 0x7fc0]);
    const f32 = new Uint8Array(Float32Array.of(7.5).buffer);
    const data = new Uint8Array([...bf16, ...f32, ...f16]);
    const file = handMade(
      {
        half: { dtype: 'F16', shape: [2, 3], data_offsets: [12, 24] },
        brain: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] },
        single: { dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] },
      },
      data,
    );
    const got = parseSafetensors(file, 'hand.safetensors');
    expect([...got.tensors.keys()]).toEqual(['brain', 'single', 'half']);
    expect(Array.from(got.tensors.get('half')!.data)).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity]);
    expect(got.tensors.get('half')!.dtype).toBe('F16');
    const brain = Array.from(got.tensors.get('brain')!.data);
    expect(brain.slice(0, 3)).toEqual([1, -3.140625, 2 ** -133]);
    expect(brain[3]).toBeNaN();
    expect(Array.from(got.tensors.get('single')!.data)).toEqual([7.5]);
    expect(got.metadata).toEqual({});
  });

  it('the same F16 file read from disk (Buffer-backed input) decodes identically', () => {
    const path = join(dir, 'f16.safetensors');
    writeFileSync(path, handMade({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] } }, u16([0x3c00, 0x3555, 0xfbff])));
    expect(Array.from(readSafetensors(path).tensors.get('h')!.data)).toEqual([1, 0.333251953125, -65504]);
  });

  it('writes atomically: a failed write leaves neither a partial file nor a temporary one, and keeps the old file', () => {
    const path = join(dir, 'atomic.safetensors');
    writeSafetensors(path, tensors);
    const before = readFileSync(path);
    const bad = new Map([['x', { shape: [2, 2], data: new Float32Array(3) }]]);
    expectFileError(() => writeSafetensors(path, bad), path, /tensor 'x' shape \[2, 2\] needs 4 values, given 3/);
    expect(readFileSync(path)).toEqual(before);
    // The rename itself fails (the target is a non-empty directory): the temporary file must be gone.
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    expectFileError(() => writeSafetensors(blocked, tensors), blocked, /cannot write \(E[A-Z]+\)/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('safetensors reader: bad files give one-line WeightFileErrors naming the file', () => {
  const good = handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12));
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the length prefix', good.subarray(0, 5), /truncated: 5 bytes/],
    ['header length beyond the file', good.subarray(0, 40), /header length \d+ runs beyond the end of the file \(40 bytes\)/],
    ['truncated data section', good.subarray(0, good.length - 3), /tensor 'b' data_offsets \[8, 12\] out of range: the data section has 9 bytes/],
    ['bad JSON', handMade({}, new Uint8Array()).fill(0x7b, 8), /header is not valid JSON/],
    ['unknown dtype', handMade({ a: { dtype: 'Q4', shape: [2], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor 'a' has unsupported dtype "Q4"/],
    [
      'shape/size mismatch',
      handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /shape \[3\] F32 needs 12 bytes but data_offsets span 8/,
    ],
    [
      'overlapping tensors',
      handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
      /overlaps/,
    ],
    ['a gap in the data', handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /gap at bytes \[0, 4\)/],
    ['non-string metadata', handMade({ __metadata__: { n: 1 } }, new Uint8Array()), /__metadata__\.n must be a string/],
  ];
  for (const [what, bytes, problem] of cases) {
    it(what, () => {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.safetensors`);
      writeFileSync(path, bytes);
      expectFileError(() => readSafetensors(path), path, problem);
    });
  }

  it('missing file', () => {
    expectFileError(() => readSafetensors(join(dir, 'none.safetensors')), join(dir, 'none.safetensors'), /cannot read \(ENOENT\)/);
  });
});

describe('native weights file (gradscope-weights/1 in __metadata__)', () => {
  const metadata: WeightsMetadata = {
    architecture: 'vgg16',
    source: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5',
    sourceSha256: 'ab'.repeat(32),
    preprocessing: 'caffe',
    labels: ['tench', 'goldfish', 'a "quoted", label'],
    licence: 'MIT (weights: see Keras applications)',
    extra: { trainingLog: 'epoch 1: loss 0.5' },
  };

  it('round-trips parameters and metadata; labels are stored as a JSON array', () => {
    const path = join(dir, 'native.safetensors');
    writeWeightsFile(path, tensors, metadata);
    const raw = readSafetensors(path).metadata;
    expect(raw.format).toBe('gradscope-weights/1');
    expect(JSON.parse(raw.labels)).toEqual(metadata.labels);
    const back = readWeightsFile(path);
    expect(back.metadata).toEqual(metadata);
    expect([...back.params.keys()]).toEqual([...tensors.keys()]);
    expect(back.params.get('conv1/kernel')!.data).toEqual(tensors.get('conv1/kernel')!.data);
  });

  it('refuses other safetensors files, broken labels and reserved extra keys', () => {
    const plain = join(dir, 'plain.safetensors');
    writeSafetensors(plain, tensors, { format: 'pt' });
    expectFileError(() => readWeightsFile(plain), plain, /not a gradscope weights file \(format 'pt'; expected 'gradscope-weights\/1'\)/);
    const badLabels = join(dir, 'labels.safetensors');
    writeSafetensors(badLabels, tensors, {
      format: 'gradscope-weights/1',
      architecture: 'x',
      source: '',
      sourceSha256: '',
      preprocessing: 'tf',
      licence: '',
      labels: '{"a":1}',
    });
    expectFileError(() => readWeightsFile(badLabels), badLabels, /'labels' must be a JSON array of strings/);
    const reserved = join(dir, 'reserved.safetensors');
    expectFileError(() => writeWeightsFile(reserved, tensors, { ...metadata, extra: { source: 'x' } }), reserved, /extra metadata key 'source' is reserved/);
  });

  it('sha256OfFile matches the FIPS 180-2 test vector for "abc"', () => {
    const path = join(dir, 'abc.txt');
    writeFileSync(path, 'abc');
    expect(sha256OfFile(path)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

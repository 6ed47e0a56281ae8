// Which ONNX backend node tests the conformance run covers: those of the ops the graph importer
// converts. A test directory belongs to an op when its name is test_<op> or starts with
// test_<op>_ (snake case), so test_conv_* is Conv's but test_convtranspose is not.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Default location: Debian's libonnx-testdata package. */
export const DEFAULT_NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** Snake-case test prefixes per ONNX op (the Pad variants with other modes are Pad's tests too). */
export const TEST_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  Conv: ['conv', 'basic_conv'],
  BatchNormalization: ['batchnorm'],
  Relu: ['relu'],
  Add: ['add'],
  Sum: ['sum'],
  MaxPool: ['maxpool'],
  AveragePool: ['averagepool'],
  GlobalAveragePool: ['globalaveragepool'],
  GlobalMaxPool: ['globalmaxpool'],
  Gemm: ['gemm'],
  MatMul: ['matmul'],
  Concat: ['concat'],
  Pad: ['pad', 'constant_pad', 'edge_pad', 'reflect_pad', 'wrap_pad'],
  Flatten: ['flatten'],
  Reshape: ['reshape'],
  Softmax: ['softmax'],
  Dropout: ['dropout'],
  Identity: ['identity'],
};

export function isCoveredTest(name: string): boolean {
  return Object.values(TEST_PREFIXES).some((prefixes) => prefixes.some((p) => name === `test_${p}` || name.startsWith(`test_${p}_`)));
}

/** The covered test directories under `root` that hold a model, sorted by name. */
export function selectNodeTests(root: string, match?: RegExp): string[] {
  return readdirSync(root)
    .filter((name) => isCoveredTest(name) && (!match || match.test(name)) && existsSync(join(root, name, 'model.onnx')))
    .sort();
}

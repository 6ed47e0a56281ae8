// The ONNX backend node tests (Debian's libonnx-testdata) through the graph importer and our GPU
// ops. Reference: each test's own expected output_0.pb (computed by ONNX's reference
// implementation); tolerance rtol 1e-4, atol 1e-5. Also: the runner reports a wrong output as a
// failure and an unknown op as unsupported, and the CLI prints the summary line and exits 1.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onnxType } from '../../tools/convert-weights/onnx-proto.js';
import { readOnnxTensor, tensorToFloat32 } from '../../tools/convert-weights/onnx.js';
import { runConformance, summaryLine } from '../../tools/conformance/run.js';
import { DEFAULT_NODE_TESTS } from '../../tools/conformance/select.js';

const haveTestData = existsSync(join(DEFAULT_NODE_TESTS, 'test_conv_with_strides_padding', 'model.onnx'));

/** Passes measured with libonnx-testdata 1.12 (Debian 12): every float case with 2-D spatial windows but dilated max pooling. */
const MIN_PASSED = 63;

/** The 2-D spatial float cases the importer must get right (auto_pad, ceil mode, count_include_pad, asymmetric pads, …). */
const MUST_PASS = [
  'test_basic_conv_with_padding', 'test_basic_conv_without_padding', 'test_conv_with_autopad_same',
  'test_conv_with_strides_and_asymmetric_padding', 'test_conv_with_strides_no_padding', 'test_conv_with_strides_padding',
  'test_averagepool_2d_ceil', 'test_averagepool_2d_default', 'test_averagepool_2d_pads', 'test_averagepool_2d_pads_count_include_pad',
  'test_averagepool_2d_precomputed_pads', 'test_averagepool_2d_precomputed_pads_count_include_pad', 'test_averagepool_2d_precomputed_same_upper',
  'test_averagepool_2d_precomputed_strides', 'test_averagepool_2d_same_lower', 'test_averagepool_2d_same_upper', 'test_averagepool_2d_strides',
  'test_maxpool_2d_ceil', 'test_maxpool_2d_default', 'test_maxpool_2d_pads', 'test_maxpool_2d_precomputed_pads',
  'test_maxpool_2d_precomputed_same_upper', 'test_maxpool_2d_precomputed_strides', 'test_maxpool_2d_same_lower',
  'test_maxpool_2d_same_upper', 'test_maxpool_2d_strides',
  'test_globalaveragepool', 'test_globalaveragepool_precomputed', 'test_globalmaxpool', 'test_globalmaxpool_precomputed',
  'test_batchnorm_epsilon', 'test_batchnorm_example', 'test_constant_pad', 'test_flatten_axis1', 'test_flatten_default_axis',
  'test_identity', 'test_relu', 'test_gemm_default_vector_bias', 'test_gemm_transposeB', 'test_gemm_alpha', 'test_gemm_beta',
  'test_matmul_2d', 'test_softmax_default_axis', 'test_reshape_reduced_dims',
];

const dir = mkdtempSync(join(tmpdir(), 'gradscope-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyTest(from: string, to: string): string {
  const src = join(DEFAULT_NODE_TESTS, from), dst = join(dir, to);
  mkdirSync(join(dst, 'test_data_set_0'), { recursive: true });
  copyFileSync(join(src, 'model.onnx'), join(dst, 'model.onnx'));
  for (const f of readdirSync(join(src, 'test_data_set_0'))) copyFileSync(join(src, 'test_data_set_0', f), join(dst, 'test_data_set_0', f));
  return dst;
}

describe.skipIf(!haveTestData)('ONNX node tests through the graph importer (rtol 1e-4, atol 1e-5 against output_0.pb)', () => {
  it(`no failures, at least ${MIN_PASSED} passed, every 2-D spatial float case among them`, async () => {
    const s = await runConformance(DEFAULT_NODE_TESTS);
    const failures = s.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.reason}`);
    expect(failures).toEqual([]);
    expect(s.passed).toBeGreaterThanOrEqual(MIN_PASSED);
    const passed = new Set(s.results.filter((r) => r.status === 'passed').map((r) => r.name));
    expect(MUST_PASS.filter((n) => !passed.has(n))).toEqual([]);
    // Unsupported is a decision with a reason, never a crash.
    for (const r of s.results.filter((r) => r.status === 'unsupported')) expect(r.reason, r.name).toMatch(/\S/);
    const byName = new Map(s.results.map((r) => [r.name, r]));
    expect(byName.get('test_maxpool_2d_dilations')?.reason).toMatch(/dilations \[2, 2\]/);
    expect(byName.get('test_averagepool_3d_default')?.reason).toMatch(/3-D pooling/);
    expect(byName.get('test_batchnorm_example_training_mode')?.status).toBe('unsupported');
    expect(byName.get('test_edge_pad')?.status).toBe('unsupported');
    console.log(`conformance: ${summaryLine(s)}`);
  });

  it('a wrong expected output is a failure, an unknown op is unsupported; the CLI prints the summary line and exits 1', async () => {
    copyTest('test_relu', 'test_relu');
    copyTest('test_leakyrelu', 'test_relu_but_leaky');
    const tampered = copyTest('test_conv_with_strides_padding', 'test_conv_tampered');
    const expected = readOnnxTensor(join(tampered, 'test_data_set_0', 'output_0.pb'));
    const values = Float32Array.from(tensorToFloat32(expected));
    values[5] += 1e-3 * Math.max(1, Math.abs(values[5]));
    const type = onnxType('TensorProto');
    const proto = { name: expected.name, dims: expected.dims, dataType: 1, rawData: new Uint8Array(values.buffer) };
    writeFileSync(join(tampered, 'test_data_set_0', 'output_0.pb'), type.encode(type.fromObject(proto)).finish());

    const s = await runConformance(dir);
    expect(s.results.map((r) => [r.name, r.status])).toEqual([
      ['test_conv_tampered', 'failed'],
      ['test_relu', 'passed'],
      ['test_relu_but_leaky', 'unsupported'],
    ]);
    expect(s.results[0].reason).toMatch(/1 of 12 values differ; worst at element 5/);
    expect(s.results[2].reason).toMatch(/LeakyRelu is not supported/);

    const cli = spawnSync('npx', ['tsx', 'tools/conformance/index.ts', dir], { encoding: 'utf8', timeout: 100_000 });
    const lines = cli.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 1 unsupported');
    expect(cli.stdout).toMatch(/FAIL +test_conv_tampered: 1 of 12 values differ/);
    expect(cli.status).toBe(1);
  });
});

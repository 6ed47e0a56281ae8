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
import { tensorToFloat32 } from '../../tools/convert-weights/onnx.js';
import { readOnnxTensor } from '../../tools/convert-weights/onnx-file.js';
import { runConformance, summaryLine } from '../../tools/conformance/run.js';
import { DEFAULT_NODE_TESTS } from '../../tools/conformance/select.js';

const haveTestData = existsSync(join(DEFAULT_NODE_TESTS, 'test_conv_with_strides_padding', 'model.onnx'));

/**
 * Every test directory of the folder is attempted (none chosen by op name). Measured with
 * libonnx-testdata 1.12 (Debian 12): 206 of 932 pass, none fails. Operands after a test's first input
 * are fed as constants that the graph uploads; the rest is unsupported with a reason.
 */
const MIN_PASSED = 206;

/** Every case that passes today: 2-D spatial windows (auto_pad, ceil mode, count_include_pad, dilations, asymmetric pads) and the rest. */
const MUST_PASS = [
  'test_basic_conv_with_padding',
  'test_basic_conv_without_padding',
  'test_conv_with_autopad_same',
  'test_conv_with_strides_and_asymmetric_padding',
  'test_conv_with_strides_no_padding',
  'test_conv_with_strides_padding',
  'test_averagepool_2d_ceil',
  'test_averagepool_2d_default',
  'test_averagepool_2d_pads',
  'test_averagepool_2d_pads_count_include_pad',
  'test_averagepool_2d_precomputed_pads',
  'test_averagepool_2d_precomputed_pads_count_include_pad',
  'test_averagepool_2d_precomputed_same_upper',
  'test_averagepool_2d_precomputed_strides',
  'test_averagepool_2d_same_lower',
  'test_averagepool_2d_same_upper',
  'test_averagepool_2d_strides',
  'test_maxpool_2d_ceil',
  'test_maxpool_2d_default',
  'test_maxpool_2d_dilations',
  'test_maxpool_2d_pads',
  'test_maxpool_2d_precomputed_pads',
  'test_maxpool_2d_precomputed_same_upper',
  'test_maxpool_2d_precomputed_strides',
  'test_maxpool_2d_same_lower',
  'test_maxpool_2d_same_upper',
  'test_maxpool_2d_strides',
  'test_globalaveragepool',
  'test_globalaveragepool_precomputed',
  'test_globalmaxpool',
  'test_globalmaxpool_precomputed',
  'test_batchnorm_epsilon',
  'test_batchnorm_example',
  'test_constant_pad',
  'test_relu',
  'test_identity',
  'test_add',
  'test_add_bcast',
  'test_sum_example',
  'test_sum_one_input',
  'test_sum_two_inputs',
  'test_concat_2d_axis_1',
  'test_concat_2d_axis_negative_1',
  'test_concat_3d_axis_1',
  'test_concat_3d_axis_2',
  'test_concat_3d_axis_negative_1',
  'test_concat_3d_axis_negative_2',
  'test_gemm_alpha',
  'test_gemm_beta',
  'test_gemm_default_matrix_bias',
  'test_gemm_default_no_bias',
  'test_gemm_default_scalar_bias',
  'test_gemm_default_single_elem_vector_bias',
  'test_gemm_default_vector_bias',
  'test_gemm_default_zero_bias',
  'test_gemm_transposeB',
  'test_matmul_2d',
  'test_flatten_axis1',
  'test_flatten_default_axis',
  'test_flatten_negative_axis3',
  'test_reshape_extended_dims',
  'test_reshape_negative_dim',
  'test_reshape_reduced_dims',
  'test_reshape_reordered_last_dims',
  'test_reshape_zero_and_negative_dim',
  'test_reshape_zero_dim',
  'test_softmax_axis_2',
  'test_softmax_default_axis',
  'test_softmax_example',
  'test_softmax_large_number',
  'test_softmax_negative_axis',
  'test_logsoftmax_axis_2',
  'test_logsoftmax_default_axis',
  'test_logsoftmax_example_1',
  'test_logsoftmax_large_number',
  'test_logsoftmax_negative_axis',
  'test_instancenorm_epsilon',
  'test_instancenorm_example',
  'test_dropout_default',
  'test_dropout_default_old',
  'test_dropout_default_ratio',
  'test_dropout_random_old',
  // Since the graph ops over the activation, binary, layout and reduction kernels:
  'test_sigmoid',
  'test_tanh',
  'test_hardsigmoid',
  'test_hardswish',
  'test_clip',
  'test_leakyrelu',
  'test_elu',
  'test_selu_default',
  'test_softplus',
  'test_erf',
  'test_sqrt',
  'test_exp',
  'test_log',
  'test_abs',
  'test_neg',
  'test_reciprocal',
  'test_prelu_broadcast',
  'test_sub_bcast',
  'test_mul_bcast',
  'test_div_bcast',
  'test_pow_bcast_array',
  'test_max_example',
  'test_min_example',
  'test_transpose_all_permutations_0',
  'test_slice_default_axes',
  'test_slice_end_out_of_bounds',
  'test_unsqueeze_axis_1',
  'test_reduce_mean_keepdims_example',
  'test_reduce_mean_do_not_keepdims_example',
  'test_lrn',
  'test_lrn_default',
  'test_matmul_3d',
  'test_matmul_4d',
  'test_softmax_default_axis_expanded',
];

/** Why the remaining cases of the covered ops are unsupported (a sample per reason). */
const UNSUPPORTED_BECAUSE: Record<string, RegExp> = {
  test_concat_2d_axis_0: /along the batch axis/,
  test_concat_1d_axis_negative_1: /along the batch axis/,
  test_averagepool_3d_default: /3-D pooling/,
  test_maxpool_1d_default: /1-D pooling/,
  test_maxpool_2d_uint8: /uint8; the engine computes in float32/,
  test_add_uint8: /uint8; the engine computes in float32/,
  test_gemm_transposeA: /transA=1/,
  test_flatten_axis2: /folds features into the batch axis/,
  test_reshape_one_dim: /the batch axis changes/,
  test_softmax_axis_1: /only the last axis, or the channels/,
  test_logsoftmax_axis_1: /only the last axis, or the channels/,
  test_batchnorm_example_training_mode: /3 graph outputs/,
  test_edge_pad: /int32/,
  test_cos: /Cos is not supported/,
};

const dir = mkdtempSync(join(tmpdir(), 'gradscope-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copyTest(from: string, to: string): string {
  const src = join(DEFAULT_NODE_TESTS, from),
    dst = join(dir, to);
  mkdirSync(join(dst, 'test_data_set_0'), { recursive: true });
  copyFileSync(join(src, 'model.onnx'), join(dst, 'model.onnx'));
  for (const f of readdirSync(join(src, 'test_data_set_0'))) copyFileSync(join(src, 'test_data_set_0', f), join(dst, 'test_data_set_0', f));
  return dst;
}

describe.skipIf(!haveTestData)('ONNX node tests through the graph importer (rtol 1e-4, atol 1e-5 against output_0.pb)', () => {
  it(`no failures, at least ${MIN_PASSED} passed, every case in MUST_PASS among them, the rest unsupported for a stated reason`, async () => {
    const s = await runConformance(DEFAULT_NODE_TESTS);
    // Every test directory is attempted: none is left out by op name.
    expect(s.results.length).toBe(readdirSync(DEFAULT_NODE_TESTS, { withFileTypes: true }).filter((e) => e.isDirectory()).length);
    const failures = s.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.reason}`);
    expect(failures).toEqual([]);
    expect(s.passed).toBeGreaterThanOrEqual(MIN_PASSED);
    const passed = new Set(s.results.filter((r) => r.status === 'passed').map((r) => r.name));
    expect(MUST_PASS.filter((n) => !passed.has(n))).toEqual([]);
    // Unsupported is a decision with a reason, never a crash.
    for (const r of s.results.filter((r) => r.status === 'unsupported')) expect(r.reason, r.name).toMatch(/\S/);
    const byName = new Map(s.results.map((r) => [r.name, r]));
    for (const [name, reason] of Object.entries(UNSUPPORTED_BECAUSE)) {
      expect(byName.get(name)?.status, name).toBe('unsupported');
      expect(byName.get(name)?.reason, name).toMatch(reason);
    }
    console.log(`conformance: ${summaryLine(s)}`);
  });

  // The pytorch-exported folders: every test attempted, none fails, none crashes the run (measured: 46 of 82 and 21 of 35 pass).
  for (const [folder, minPassed] of [
    ['pytorch-converted', 46],
    ['pytorch-operator', 21],
  ] as const) {
    it(`${folder}: every test attempted, none fails, at least ${minPassed} pass`, async () => {
      const root = join(DEFAULT_NODE_TESTS, '..', folder);
      const s = await runConformance(root);
      expect(s.results.length).toBe(readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).length);
      expect(s.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.reason}`)).toEqual([]);
      expect(s.passed).toBeGreaterThanOrEqual(minPassed);
      console.log(`conformance ${folder}: ${summaryLine(s)}`);
    });
  }

  it('a wrong expected output is a failure, an unknown op is unsupported; the CLI prints the summary line and exits 1', async () => {
    copyTest('test_relu', 'test_relu');
    copyTest('test_cos', 'test_relu_but_cos');
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
      ['test_relu_but_cos', 'unsupported'],
    ]);
    expect(s.results[0].reason).toMatch(/1 of 12 values differ; worst at element 5/);
    expect(s.results[2].reason).toMatch(/Cos is not supported/);

    const cli = spawnSync('npx', ['tsx', 'tools/conformance/index.ts', dir], { encoding: 'utf8', timeout: 100_000 });
    const lines = cli.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 1 unsupported');
    expect(cli.stdout).toMatch(/FAIL +test_conv_tampered: 1 of 12 values differ/);
    expect(cli.status).toBe(1);
  });
});

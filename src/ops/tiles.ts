// The workgroup width of the register-blocked GEMM and convolution kernels, chosen from the
// adapter rather than assumed. Each invocation accumulates 8 rows × 4 columns in registers; the
// width is how many invocations share a workgroup (adjacent ones take adjacent column groups).
//   - CPU adapters (lavapipe/llvmpipe, SwiftShader): 16, measured best here (DESIGN.md "Speed":
//     16–32 wide; no shared memory or barriers).
//   - Any other adapter: 64 invocations, WebGPU's usual default workgroup size, clamped to the
//     device's limits. NOT measured: this project has had no GPU machine; the kernels are tested
//     for correctness at every width the choice can give (test/ops/tiles.test.ts), not timed.
import { gpu } from '../tensor/index.js';

export const CPU_WIDTH = 16;
const GPU_WIDTH = 64;

const CPU_ADAPTERS = /llvmpipe|lavapipe|swiftshader|software/i;

export interface WidthLimits {
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/**
 * A power of two ≥ 4 (the column-group split needs one) within the device's limits: `cpuWidth` on a
 * CPU adapter, GPU_WIDTH on any other.
 */
export function widthFor(adapterDescription: string, limits: WidthLimits, cpuWidth = CPU_WIDTH): number {
  const wanted = CPU_ADAPTERS.test(adapterDescription) ? cpuWidth : GPU_WIDTH;
  const cap = Math.min(limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
  let w = 4;
  while (w * 2 <= Math.min(wanted, cap)) w *= 2;
  return w;
}

let override: number | undefined;

/** widthFor the current device (`cpuWidth` before one exists: WGSL text built without a device). */
function deviceWidth(cpuWidth: number): number {
  try {
    const g = gpu();
    return widthFor(g.adapterDescription, g.limits, cpuWidth);
  } catch {
    return cpuWidth;
  }
}

/** The width of the per-lane tiles for the current device. */
export function workgroupWidth(): number {
  return override ?? deviceWidth(CPU_WIDTH);
}

/** Test hook: run the kernels at `width` (undefined restores the adapter's choice). */
export function setWorkgroupWidthForTests(width: number | undefined): void {
  if (width !== undefined && !(Number.isInteger(Math.log2(width)) && width >= 4)) {
    throw new Error(`workgroup width must be a power of two ≥ 4, given ${width}`);
  }
  override = width;
}

/**
 * Shared-row tiles: every invocation of a workgroup takes the same SHARED_ROWS output rows (and its
 * own 4 columns); within each group of SHARE_GROUP subgroup lanes, lane i loads the A operand of
 * rows i, i + 8, … and subgroupBroadcast hands each value to the others. On lavapipe every storage
 * load is scalarised per lane with a bounds test, so loading a row once per 8 lanes instead of once
 * per lane makes the GEMM ~2.5× faster (GFLOP/s on 3136×256×256: 18 → 47; DESIGN.md, Speed).
 * Needs the 'subgroups' feature with subgroups of at least SHARE_GROUP lanes.
 */
export const SHARED_ROWS = 16;
export const SHARE_GROUP = 8;
/** Workgroup width of the shared-row kernels on CPU adapters: one subgroup (16 measured the same). */
const SHARED_CPU_WIDTH = 8;

let sharedOverride: boolean | undefined;

export function sharedRowsAvailable(): boolean {
  if (sharedOverride !== undefined) return sharedOverride;
  try {
    const size = gpu().subgroupMinSize;
    return size !== undefined && size >= SHARE_GROUP;
  } catch {
    return false;
  }
}

/** The workgroup width of the shared-row kernels (a test width below SHARE_GROUP cannot hold their rows' loaders). */
export function sharedWidth(): number {
  return override !== undefined && override >= SHARE_GROUP ? override : deviceWidth(SHARED_CPU_WIDTH);
}

/** Test hook: force the shared-row kernels off (false) or back to the device's choice (undefined). */
export function setSharedRowsForTests(on: false | undefined): void {
  sharedOverride = on;
}

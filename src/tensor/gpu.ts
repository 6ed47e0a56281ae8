// Finds the WebGPU adapter and device. The entry point comes from the platform edge: Dawn (the `webgpu`
// package) in Node; a browser bundle swaps that module for navigator.gpu (web/platform/browser-edges.ts),
// so what the library core runs in a page imports nothing Node-only.
import { gpuApi as platformGpuApi } from '../platform/dawn-gpu.js';

export interface Gpu {
  /** The navigator.gpu-like entry point the device came from (shared with peers in benchmarks). */
  readonly api: GPU;
  readonly device: GPUDevice;
  readonly adapterDescription: string;
  readonly limits: GPUSupportedLimits;
  /** The smallest subgroup the device may run, when it has the 'subgroups' feature (requested whenever offered). */
  readonly subgroupMinSize?: number;
}

export class NoAdapterError extends Error {
  constructor(detail: string) {
    super(
      `No WebGPU adapter found (${detail}). On Debian 12 install a software Vulkan driver: ` +
        `run 'npm run setup' as root, or 'apt-get install libvulkan1 mesa-vulkan-drivers/bookworm-backports' ` +
        `(Dawn needs Mesa >= 24; the stock Debian 12 Mesa 22.3 is rejected). On other systems install a Vulkan driver for your GPU.`,
    );
    this.name = 'NoAdapterError';
  }
}

/** A browser without navigator.gpu: one sentence saying which browsers and flags have WebGPU. */
export class NoWebGpuError extends Error {
  constructor() {
    super(
      'This browser has no WebGPU: use Chrome or Edge 113+ (desktop; Android 121+), Safari 26+, or Firefox 141+ on Windows; ' +
        'on Linux, Chrome/Chromium needs --enable-unsafe-webgpu (or chrome://flags/#enable-unsafe-webgpu).',
    );
    this.name = 'NoWebGpuError';
  }
}

const gpuErrors: string[] = [];

/** Throws the first WebGPU validation error reported since the last check (errors arrive asynchronously). */
export function throwPendingGpuError(): void {
  if (gpuErrors.length === 0) return;
  const messages = gpuErrors.splice(0);
  throw new Error(`WebGPU error: ${messages[0]}${messages.length > 1 ? ` (and ${messages.length - 1} more)` : ''}`);
}

let current: Promise<Gpu> | undefined;
let resolved: Gpu | undefined;

async function acquire(): Promise<Gpu> {
  const gpuApi = await platformGpuApi();
  if (!gpuApi) throw new NoWebGpuError();
  const adapter = await gpuApi.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoAdapterError('requestAdapter returned null');
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    // Subgroup broadcasts let the GEMM kernels load each A row once per subgroup (ops/tiles.ts).
    requiredFeatures: adapter.features.has('subgroups') ? ['subgroups'] : [],
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    },
  });
  device.addEventListener('uncapturederror', (event) => {
    gpuErrors.push((event as GPUUncapturedErrorEvent).error.message);
  });
  const info = adapter.info;
  // SwiftShader (Chromium's software adapter) leaves description and device empty; its architecture names it.
  const adapterDescription =
    [info.description || info.device || info.architecture, info.vendor && `(${info.vendor})`].filter((s) => s && s.length > 0).join(' ') || 'unknown adapter';
  const subgroupMinSize = device.features.has('subgroups') ? info.subgroupMinSize : undefined;
  return { api: gpuApi, device, adapterDescription, limits: device.limits, subgroupMinSize };
}

/** Starts (once) and returns the shared GPU device. */
export function initGpu(): Promise<Gpu> {
  if (!current) {
    current = acquire().then((g) => {
      resolved = g;
      return g;
    });
    current.catch(() => {
      current = undefined;
    });
  }
  return current;
}

/** The device, once initGpu() has resolved. Synchronous so ops can be plain functions. */
export function gpu(): Gpu {
  if (!resolved) throw new Error('GPU not initialised: await initGpu() before creating tensors');
  return resolved;
}

/** Destroys the device so Node can exit; a later initGpu() starts a new one. */
export function releaseGpu(): void {
  resolved?.device.destroy();
  resolved = undefined;
  current = undefined;
}

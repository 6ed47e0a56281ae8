// Kernel dispatch. Pipelines are cached by WGSL text; sizes travel in small uniform buffers
// cached by content (shapes repeat from one explanation to the next). Every dispatch of a step
// goes into one command encoder and one compute pass, submitted only when something is read
// back or uploaded, because a separate submit costs ~40 µs against ~8 µs for a dispatch.
import { gpu } from './gpu.js';
import { noteWrite } from './written.js';

export const MAX_WORKGROUPS_PER_DIM = 65535;

export interface KernelBinding {
  buffer: GPUBuffer;
  /** Byte offset and size, for binding part of a buffer (e.g. a slice of a >128 MiB weight). */
  offset?: number;
  size?: number;
}

export interface Dispatch {
  /** WGSL source; binding 0 is the `Params` uniform, then storage buffers in `bindings` order. */
  wgsl: string;
  bindings: (GPUBuffer | KernelBinding)[];
  /** i32 fields of the Params struct, in order. */
  ints?: readonly number[];
  /** f32 fields, placed after the ints. */
  floats?: readonly number[];
  workgroups: readonly [number, number?, number?];
  /** Approximate floating-point work; a step is submitted early once enough has been recorded. */
  flops?: number;
}

interface CompiledKernel {
  pipeline: GPUComputePipeline;
  written: number[];
}

const pipelines = new Map<string, CompiledKernel>();
const uniforms = new Map<string, GPUBuffer>();
const UNIFORM_CACHE_LIMIT = 8192;
/**
 * Work recorded since the last submit after which the step is submitted early (~10 ms of GPU time
 * at ~10 GFLOP/s): the GPU starts on a forward while the rest of it is still being encoded, for
 * one extra submit (~40 µs) per 10 ms of work.
 */
const EARLY_SUBMIT_FLOPS = 1e8;

let encoder: GPUCommandEncoder | undefined;
let pass: GPUComputePassEncoder | undefined;
let pendingFlops = 0;
let dispatchCount = 0;
let observer: ((d: Dispatch) => void) | undefined;

/**
 * Calls `fn` with every dispatch recorded from now on (undefined stops): bench/profile.ts replays
 * them one by one to see where a run's GPU time goes.
 */
export function observeDispatches(fn: ((d: Dispatch) => void) | undefined): void {
  observer = fn;
}

/**
 * An explicit bind-group layout read from the kernel's declarations: with layout 'auto', a
 * binding the shader never reads is dropped and the bind group no longer matches.
 */
function layoutFor(wgsl: string): GPUPipelineLayout {
  const device = gpu().device;
  const entries: GPUBindGroupLayoutEntry[] = [];
  for (const m of wgsl.matchAll(/@binding\((\d+)\)\s*var<\s*(uniform|storage\s*,\s*(read_write|read))\s*>/g)) {
    const binding = Number(m[1]);
    const type: GPUBufferBindingType = m[2] === 'uniform' ? 'uniform' : m[3] === 'read' ? 'read-only-storage' : 'storage';
    entries.push({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
  }
  return device.createPipelineLayout({ bindGroupLayouts: [device.createBindGroupLayout({ entries })] });
}

/** Storage bindings the kernel declares read_write, as indexes into Dispatch.bindings. */
function writtenBindings(wgsl: string): number[] {
  return [...wgsl.matchAll(/@binding\((\d+)\)\s*var<\s*storage\s*,\s*read_write\s*>/g)].map((m) => Number(m[1]) - 1);
}

function pipelineFor(wgsl: string): CompiledKernel {
  let p = pipelines.get(wgsl);
  if (!p) {
    const device = gpu().device;
    const module = device.createShaderModule({ code: wgsl });
    p = { pipeline: device.createComputePipeline({ layout: layoutFor(wgsl), compute: { module, entryPoint: 'main' } }), written: writtenBindings(wgsl) };
    pipelines.set(wgsl, p);
  }
  return p;
}

function uniformFor(ints: readonly number[], floats: readonly number[]): GPUBuffer {
  const key = `${ints.join(',')}|${floats.join(',')}`;
  let u = uniforms.get(key);
  if (!u) {
    if (uniforms.size >= UNIFORM_CACHE_LIMIT) {
      flush();
      for (const b of uniforms.values()) b.destroy();
      uniforms.clear();
    }
    const words = Math.max(4, Math.ceil((ints.length + floats.length) / 4) * 4);
    u = gpu().device.createBuffer({
      size: words * 4,
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    const range = u.getMappedRange();
    new Int32Array(range, 0, ints.length).set(ints);
    new Float32Array(range, ints.length * 4, floats.length).set(floats);
    u.unmap();
    uniforms.set(key, u);
  }
  return u;
}

export function currentEncoder(): GPUCommandEncoder {
  if (!encoder) encoder = gpu().device.createCommandEncoder();
  return encoder;
}

function endPass(): void {
  pass?.end();
  pass = undefined;
}

export function dispatch(d: Dispatch): void {
  const [x, y = 1, z = 1] = d.workgroups;
  if (x > MAX_WORKGROUPS_PER_DIM || y > MAX_WORKGROUPS_PER_DIM || z > MAX_WORKGROUPS_PER_DIM) {
    throw new Error(`dispatch of ${x}×${y}×${z} workgroups exceeds the WebGPU limit of ${MAX_WORKGROUPS_PER_DIM} per dimension`);
  }
  if (x === 0 || y === 0 || z === 0) return;
  observer?.(d);
  const { pipeline, written } = pipelineFor(d.wgsl);
  for (const i of written) {
    const b = d.bindings[i];
    if (b) noteWrite('buffer' in b ? b.buffer : b);
  }
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniformFor(d.ints ?? [], d.floats ?? []) } }];
  d.bindings.forEach((b, i) => {
    const resource: GPUBufferBinding = 'buffer' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b };
    entries.push({ binding: i + 1, resource });
  });
  const bindGroup = gpu().device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  if (!pass) pass = currentEncoder().beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(x, y, z);
  pendingFlops += d.flops ?? 0;
  dispatchCount++;
  if (pendingFlops >= EARLY_SUBMIT_FLOPS) flush();
}

/** Records a buffer copy in the current step. */
export function copyBuffer(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
  noteWrite(dst);
  endPass();
  currentEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
}

/** Submits everything recorded so far. Returns the flops recorded since the previous submit. */
export function flush(): number {
  endPass();
  const flops = pendingFlops;
  if (encoder) gpu().device.queue.submit([encoder.finish()]);
  encoder = undefined;
  pendingFlops = 0;
  return flops;
}

export function dispatchesSoFar(): number {
  return dispatchCount;
}

/** Workgroup counts for `n` items at `perGroup` items each, folded into 2-D when over the limit. */
export function groupsFor(n: number, perGroup: number): [number, number] {
  const groups = Math.ceil(n / perGroup);
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

export function resetKernels(): void {
  encoder = undefined;
  pass = undefined;
  pendingFlops = 0;
  pipelines.clear();
  uniforms.clear();
}

// The peer: TensorFlow.js' WebGPU backend on the same Dawn GPU object (hence the same adapter).
import type * as TfCore from '@tensorflow/tfjs-core';

export type Tf = typeof TfCore;

export async function tfjsWebgpu(api: GPU): Promise<Tf> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!nav?.gpu) Object.defineProperty(globalThis, 'navigator', { value: { gpu: api, userAgent: 'node' }, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  // tf.grad needs the gradient definitions, which tfjs-core leaves to the union package to register
  // (its ESM register_all_gradients module cannot be imported by plain Node).
  await import('@tensorflow/tfjs');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu could not start on this adapter');
  await tf.ready();
  return tf;
}

// A page's WebGPU entry point: navigator.gpu, or undefined when the browser has none (the caller says
// which browsers do). Chosen by package.json's "#gpu-api" import map under the "browser" condition.
export async function gpuApi(): Promise<GPU | undefined> {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

// A page's WebGPU entry point: navigator.gpu, or undefined when the browser has none (the caller says
// which browsers do). Replaces src/platform/dawn-gpu.ts in a browser bundle (browser-edges.ts).
export async function gpuApi(): Promise<GPU | undefined> {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

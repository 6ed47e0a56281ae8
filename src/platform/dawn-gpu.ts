// Node's WebGPU entry point: Dawn, through the `webgpu` package. A browser bundle swaps this module for
// web/platform/browser-gpu.ts (web/platform/browser-edges.ts lists the swaps).
// The object Dawn's create() returns must stay referenced for the life of the process: if it is
// garbage-collected the process dies at random.
import { mkdirSync } from 'node:fs';

let kept: GPU | undefined;

export async function gpuApi(): Promise<GPU | undefined> {
  if (kept) return kept;
  if (!process.env.XDG_RUNTIME_DIR) {
    // Dawn's Vulkan loader warns on every start without it.
    const dir = `/tmp/gradscope-xdg-${process.getuid?.() ?? 0}`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  kept = webgpu.create([]);
  return kept;
}

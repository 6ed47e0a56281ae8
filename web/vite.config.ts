// The page's build: web/ is the root; the library is bundled with its browser edges (navigator.gpu, the
// HTML canvas, the bundled ONNX schema) in place of the Node ones (Dawn, Skia, files).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { BROWSER_EDGES } from './platform/browser-edges.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    conditions: ['browser', 'module', 'import', 'default'],
    alias: BROWSER_EDGES.map((e) => ({ find: e.find, replacement: e.replacement })),
  },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The weights are fetched as a file, never inlined.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
  },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});

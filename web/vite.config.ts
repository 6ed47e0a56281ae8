// The page's build: web/ is the root; the library is bundled with the "browser" condition, which
// package.json's import map uses to pick navigator.gpu and the HTML canvas instead of Dawn and Skia.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { conditions: ['browser', 'module', 'import', 'default'] },
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

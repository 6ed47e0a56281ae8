// The Node edges a browser bundle replaces, in one table for every bundler that builds for a page (the
// page's Vite config, the browser tests' esbuild): the library core imports the Node module by a
// relative path (so tsx, vitest and the compiled npm package need nothing special) and a page gets
// the browser module in its place.
import { fileURLToPath } from 'node:url';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface BrowserEdge {
  /** The import specifier of the Node module, as the core writes it. */
  readonly find: RegExp;
  /** The browser module's absolute path. */
  readonly replacement: string;
}

export const BROWSER_EDGES: readonly BrowserEdge[] = [
  { find: /^(\.\.?\/)+platform\/dawn-gpu\.js$/, replacement: here('./browser-gpu.ts') },
  { find: /^(\.\.?\/)+platform\/napi-canvas\.js$/, replacement: here('./html-canvas.ts') },
  { find: /^\.\/onnx-schema-file\.js$/, replacement: here('./onnx-schema.ts') },
  { find: /^\.\/hdf5\.js$/, replacement: here('./hdf5-browser.ts') },
];

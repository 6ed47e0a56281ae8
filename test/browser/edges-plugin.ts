// The browser edges (web/platform/browser-edges.ts) as an esbuild plugin, so that the tests bundle the
// library for a page exactly as the page's Vite build does.
import type { Plugin } from 'esbuild';
import { BROWSER_EDGES } from '../../web/platform/browser-edges.js';

export const browserEdges: Plugin = {
  name: 'gradscope-browser-edges',
  setup(b) {
    for (const edge of BROWSER_EDGES) b.onResolve({ filter: edge.find }, () => ({ path: edge.replacement }));
  },
};

// The library core runs in a page: walking the import graph of every core module as the page's bundle
// does (esbuild, "browser" condition, the browser edges swapped in, type-only imports dropped) must reach
// no Node built-in and no Node-only package. The Node edges inside core folders are listed with why; the list cannot go stale
// (each must exist and must really import something Node-only, or it is not an edge).
import { builtinModules } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { browserEdges } from '../browser/edges-plugin.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Folders of the library core. */
const CORE_DIRS = [
  'src/tensor',
  'src/ops',
  'src/models',
  'src/methods',
  'src/analyses',
  'src/metrics',
  'src/image',
  'src/report',
  'src/data',
  'tools/convert-weights',
];
/** Files in core folders that are the Node edge, and why. */
const EDGES: Record<string, string> = {
  'src/models/load.ts': 'loads weights by zoo name or path from disk (the page uses model-from-weights.ts)',
  'src/models/safetensors-file.ts': 'reads and writes safetensors files',
  'src/models/weights-file.ts': 'reads and writes weights files, hashes them on disk',
  'src/image/read-image.ts': 'reads image files',
  'src/image/write-png.ts': 'writes PNG files atomically',
  'src/image/png-chunks.ts': "checks PNG chunks and inflates with node:zlib (a page decodes with the browser's decoder)",
  'src/image/png-decode.ts': 'decodes PNG with pngjs (Node streams)',
  'tools/convert-weights/index.ts': 'the converter command line',
  'tools/convert-weights/fetch.ts': 'downloads and checks zoo weights files',
  'tools/convert-weights/inspect.ts': 'prints what a weights file holds',
  'tools/convert-weights/read-source.ts': 'reads a source file by path and picks its format',
  'tools/convert-weights/to-native.ts': 'writes the converted .safetensors file',
  'tools/convert-weights/to-native-metadata.ts': 'hashes source files and reads labels files',
  'tools/convert-weights/hdf5.ts': 'opens HDF5 files on disk through h5wasm/node (a page uses web/platform/hdf5-browser.ts)',
  'tools/convert-weights/tfjs-weights-file.ts': 'reads model.json and its shard files',
  'tools/convert-weights/tfjs-layers.ts': 'reads a TF.js layers model from disk (tfjs-layers-json.ts needs no files)',
  'tools/convert-weights/keras-archive-file.ts': 'reads a .keras archive from disk into a temporary H5 file (keras-archive.ts unzips bytes)',
  'tools/convert-weights/tfjs-graph.ts': 'reads a TF.js graph model from disk',
  'tools/convert-weights/onnx-file.ts': 'reads .onnx and .pb files',
  'tools/convert-weights/onnx-external.ts': "reads an ONNX model's external data files",
  'tools/convert-weights/onnx-schema-file.ts': 'reads the ONNX schema text from disk (a page bundles it)',
};
/** Packages that only work in Node (native addons or Node streams). */
const NODE_ONLY_PACKAGES = ['webgpu', '@napi-rs/canvas', 'pngjs', 'h5wasm/node', 'onnxruntime-node', 'cli-progress', 'commander'];

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const isNodeOnly = (spec: string) => spec.startsWith('node:') || builtins.has(spec) || NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`));

function coreFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const d of CORE_DIRS) if (existsSync(join(ROOT, d))) walk(d);
  return out.sort();
}

/** Every Node-only import reachable from the entries, as "importer → specifier". */
async function nodeImports(entries: string[]): Promise<string[]> {
  const found: string[] = [];
  const record: Plugin = {
    name: 'record-node-imports',
    setup(b) {
      // Vite's raw-text imports (the ONNX schema) are assets, not modules.
      b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: args.path, external: true }));
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isNodeOnly(args.path)) return undefined;
        // Inside a package, esbuild applies its "browser" field (protobufjs maps fs to nothing); a
        // built-in it cannot map is a build error, reported below.
        if (args.importer.includes('/node_modules/') && !args.path.startsWith('node:')) return undefined;
        found.push(`${relative(ROOT, args.importer)} → ${args.path}`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = build({
    entryPoints: entries.map((e) => join(ROOT, e)),
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: 'out-unused',
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    logLevel: 'silent',
    loader: { '.json': 'json' },
    plugins: [browserEdges, record],
  });
  try {
    await result;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
    if (errors.length === 0) throw e;
    for (const err of errors) found.push(`${err.location?.file ?? '?'} → ${err.text}`);
  }
  return [...new Set(found)].sort();
}

describe('platform edges: the library core imports nothing Node-only', () => {
  it('no core module reaches a Node built-in or a Node-only package (browser resolution)', async () => {
    const entries = coreFiles().filter((f) => !(f in EDGES));
    expect(entries.length).toBeGreaterThan(50);
    expect(await nodeImports([...entries, 'src/browser.ts'])).toEqual([]);
  });

  it('each listed edge exists and really imports something Node-only', async () => {
    for (const edge of Object.keys(EDGES)) {
      expect(existsSync(join(ROOT, edge)), edge).toBe(true);
      expect((await nodeImports([edge])).length, edge).toBeGreaterThan(0);
    }
  });

  it('the walker does see a Node import (a Node-side module is flagged)', async () => {
    expect(await nodeImports(['src/models/load.ts'])).toContain('src/models/load.ts → node:fs');
  });
});

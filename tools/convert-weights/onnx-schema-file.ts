// The vendored ONNX schema's text, read from disk (Node); web/platform/onnx-schema.ts bundles it into a page.
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';

// From the package root: this file is also compiled to dist/tools/convert-weights/, one folder deeper.
export const ONNX_PROTO_PATH = packagePath('vendor', 'onnx', 'onnx.proto');
export const ONNX_SCHEMA: string = readFileSync(ONNX_PROTO_PATH, 'utf8');

// The vendored ONNX schema's text, read from disk (Node); web/platform/onnx-schema.ts bundles it into a page.
import { readFileSync } from 'node:fs';

export const ONNX_PROTO_PATH = new URL('../../vendor/onnx/onnx.proto', import.meta.url);
export const ONNX_SCHEMA: string = readFileSync(ONNX_PROTO_PATH, 'utf8');

// The vendored ONNX schema's text, bundled into the page (Node reads it from disk: onnx-schema-file.ts).
import schema from '../../vendor/onnx/onnx.proto?raw';

export const ONNX_SCHEMA: string = schema;

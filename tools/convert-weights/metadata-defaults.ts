// What a converted weights file says when its source does not: the licence and the class names
// (shared by the converter and the page, which converts ONNX files itself).
export const UNKNOWN_LICENCE = 'unknown: the source file states no licence; find the terms where the file came from (or pass --licence)';

export function placeholderLabels(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}

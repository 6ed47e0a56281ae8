// Images for explanations: resize, map → heat map → overlay. Bytes and pixels only (a page uses it too);
// reading and writing files is read-image.ts and write-png.ts, the Node edge.
export { opaqueRgba, type RgbImage } from './rgb-image.js';
export { ImageError } from './image-error.js';
export { decodeImage, type PngDecoder } from './decode-image.js';
export { resizeRgb } from './resize.js';
export { modelInputPixels } from './model-input.js';
export { upsampleMap } from './upsample-map.js';
export { normalizeMap, type NormalizedMap } from './normalize-map.js';
export { colormap, COLORMAP_NAMES, type ColormapName } from './colormap.js';
export { heatmapImage, overlay } from './heatmap.js';

// Images in and out for explanations: decode, resize, map → heat map → overlay, write.
export type { RgbImage } from './rgb-image.js';
export { ImageError } from './image-error.js';
export { readImage } from './read-image.js';
export { resizeRgb } from './resize.js';
export { modelInputPixels } from './model-input.js';
export { upsampleMap } from './upsample-map.js';
export { normalizeMap, type NormalizedMap } from './normalize-map.js';
export { colormap, COLORMAP_NAMES, type ColormapName } from './colormap.js';
export { heatmapImage, overlay } from './heatmap.js';
export { writePng } from './write-png.js';

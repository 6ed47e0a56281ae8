// The eight object classes of the synthetic scenes, in the order of the model's logits.
export const SHAPE_CLASSES = Object.freeze(['circle', 'square', 'triangle', 'star', 'cross', 'ring', 'hexagon', 'heart'] as const);
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

// Synthetic scenes with known masks: the data gradscope's own model is trained and checked on.
export { SHAPE_CLASSES, type ShapeClass } from './classes.js';
export { renderScene, sceneBackground, sceneLabel, SCENE_SIZE, OBJECT_RADIUS, type Scene, type SceneOptions, type Box } from './scenes.js';
export { sceneBatch, type SceneBatch } from './batch.js';
export { shapeInside, HEART_HALF_DIAGONAL, RING_INNER, STAR_INNER } from './shapes.js';
export { Random, hashWords } from './random.js';

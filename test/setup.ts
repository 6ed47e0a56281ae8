import { afterAll, beforeAll } from 'vitest';
import { initGpu, releaseGpu } from '../src/tensor/index.js';

beforeAll(async () => {
  await initGpu();
});

afterAll(() => {
  releaseGpu();
});

// A small weights file for the command-line tests: a residual conv net written as an imported
// graph (architecture = the graph as JSON), so the CLI loads it like any converted model.
// Its dense weights make the explanations predictable: 'cat' (class 0) has all-positive weights
// and a large bias (always top-1, with a positive Grad-CAM map), 'car' (2) all-negative weights (the
// map is negative everywhere before its ReLU), 'tree' (3) all-zero weights (the map is zero).
import { GraphBuilder } from '../../src/models/builder.js';
import type { Graph } from '../../src/models/graph.js';
import { parameterSpecs } from '../../src/models/shapes.js';
import { writeWeightsFile, type NamedTensor } from '../../src/models/weights-file.js';
import { randomArray } from '../helpers.js';

export const FIXTURE_LABELS = ['cat', 'dog', 'car', 'tree'];
export const FIXTURE_SIZE = 24;

/**
 * x[24×24×3] → c1 (3×3, stride 2, same, ReLU) → c2 (3×3, same) → r2 (ReLU) → s = c1 + r2 → c3 (1×1, ReLU)
 * → gap → logits (4). c2/r2 are the residual branch, c3 (12×12×6) the automatic target.
 */
export function fixtureGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', FIXTURE_SIZE, FIXTURE_SIZE, 3);
  const c1 = g.conv2d('c1', x, 8, 3, { strides: 2, padding: 'same', activation: 'relu' });
  const r2 = g.inRole('residual-branch', () => g.relu('r2', g.conv2d('c2', c1, 8, 3, { padding: 'same' })));
  const s = g.add('s', c1, r2);
  const c3 = g.conv2d('c3', s, 6, 1, { activation: 'relu' });
  g.role = undefined;
  g.dense('logits', g.globalAvgPool('gap', c3), FIXTURE_LABELS.length);
  return g.build();
}

function fixtureParameters(graph: Graph): Map<string, NamedTensor> {
  const params = new Map<string, NamedTensor>();
  parameterSpecs(graph).forEach((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const fanIn = p.kind === 'kernel' ? p.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
    const limit = Math.sqrt(3 / fanIn);
    let data = p.kind === 'kernel' ? randomArray(n, 100 + i, -limit, limit) : randomArray(n, 100 + i, 0.05, 0.15);
    if (p.name === 'logits/kernel') {
      const classes = FIXTURE_LABELS.length;
      data = randomArray(n, 7, 0.2, 1);
      for (let k = 0; k < n / classes; k++) {
        data[k * classes + 2] = -data[k * classes + 2];
        data[k * classes + 3] = 0;
      }
    }
    if (p.name === 'logits/bias') data = Float32Array.from([5, 0, 0, 0]);
    params.set(p.name, { shape: p.shape, data });
  });
  return params;
}

export function writeFixtureWeights(path: string): void {
  const graph = fixtureGraph();
  writeWeightsFile(path, fixtureParameters(graph), {
    architecture: JSON.stringify(graph),
    source: 'test/cli/fixture.ts (random weights)',
    sourceSha256: '',
    preprocessing: 'tf',
    labels: FIXTURE_LABELS,
    licence: 'MIT',
  });
}

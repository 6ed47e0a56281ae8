// The JSON document of an evolution grid: every node's low-resolution map in full, with its shape,
// role, range and status, and the conventions that produced them.
import { RENDERING } from '../methods/conventions.js';
import { conventionsFor } from '../methods/registry.js';
import type { EvolutionResult } from './evolution.js';
import type { Conventions } from '../methods/types.js';

const round = (v: number) => Number(v.toPrecision(7));

export interface EvolutionDocumentOptions {
  /** The --nodes selection as given ('blocks', 'adds', 'all' or the list). */
  selection: string | readonly string[];
  sharedScale: boolean;
  colormap: string;
  alpha: number;
}

export function evolutionConventions(result: EvolutionResult, o: EvolutionDocumentOptions): Conventions {
  const passes = `one forward${result.backwards ? ' and one backward' : ''} for all ${result.maps.length} nodes together (every node hooked in the same pass)`;
  const method: Conventions =
    result.method === 'activation'
      ? {
          method: 'activation',
          targetScore: 'none: the map does not depend on the class',
          map: 'mean over channels of the forward activations (signed, no ReLU)',
          ...RENDERING,
        }
      : conventionsFor(result.method);
  const normalisation = o.sharedScale
    ? 'shared: every map scaled by the one range of all the maps together, v -> (v - min)/(max - min), so colours compare across cells'
    : 'per map: min-max to [0, 1] after upsampling, so each cell shows where, not how much';
  return { ...method, passes, normalisation, colormap: o.colormap, overlayAlpha: o.alpha };
}

export function evolutionDocument(result: EvolutionResult, o: EvolutionDocumentOptions): Record<string, unknown> {
  return {
    method: result.method,
    nodes: o.selection,
    sharedScale: o.sharedScale,
    forwards: result.forwards,
    backwards: result.backwards,
    maps: result.maps.map((m) => ({
      node: m.target,
      tensorOf: m.tensorOf,
      shape: m.shape,
      role: m.role,
      status: m.status,
      min: m.min,
      max: m.max,
      lowres: { height: m.map.height, width: m.map.width, data: Array.from(m.map.data, round) },
    })),
    conventions: evolutionConventions(result, o),
  };
}

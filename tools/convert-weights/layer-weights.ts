// The plain result every Keras-family reader returns: layers in model order, each with its Keras name
// and its weights under canonical Keras names (kernel, bias, gamma, beta, moving_mean, moving_variance, …),
// still in Keras layouts (HWIO conv kernels, (in, out) dense) — which are also the native ones.

export interface LayerWeight {
  /** Canonical Keras weight name without ':0' (kernel, bias, gamma, …). */
  readonly name: string;
  /** The name as stored in the source file ('block1_conv1/kernel:0', 'block1_conv1_W_1:0', …). */
  readonly storedName: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface LayerWeights {
  /** Keras layer name (a native graph node name for the zoo networks). */
  readonly layer: string;
  /** Keras class name when the file carries a model config ('Conv2D', 'BatchNormalization', …). */
  readonly className?: string;
  readonly weights: readonly LayerWeight[];
}

/** The order Keras creates weights in; names outside it keep their stored order after these. */
export const CANONICAL_ORDER = [
  'kernel',
  'depthwise_kernel',
  'pointwise_kernel',
  'recurrent_kernel',
  'bias',
  'gamma',
  'beta',
  'moving_mean',
  'moving_variance',
  // Keras' Normalization layer (adapted statistics; `count` only matters to adapt()).
  'mean',
  'variance',
  'count',
] as const;

const CANONICAL = new Set<string>(CANONICAL_ORDER);

/** Keras 1 suffixes (before the TF uniquifier `_1`) and what Keras 2 calls them. */
const KERAS1_SUFFIXES: readonly [string, string][] = [
  ['_depthwise_kernel', 'depthwise_kernel'],
  ['_pointwise_kernel', 'pointwise_kernel'],
  ['_running_mean', 'moving_mean'],
  // Keras 1 stored the moving variance under this misleading name.
  ['_running_std', 'moving_variance'],
  ['_moving_mean', 'moving_mean'],
  ['_moving_variance', 'moving_variance'],
  ['_gamma', 'gamma'],
  ['_beta', 'beta'],
  ['_W', 'kernel'],
  ['_b', 'bias'],
];

/** 'conv1/kernel:0' → 'kernel'; 'block1_conv1_W_1:0' → 'kernel'; unknown → undefined. */
export function canonicalFromName(stored: string): string | undefined {
  const last = stored.replace(/:\d+$/, '').split('/').pop() ?? '';
  if (CANONICAL.has(last)) return last;
  const stem = last.replace(/_\d+$/, '');
  for (const [suffix, name] of KERAS1_SUFFIXES) if (stem.endsWith(suffix) || stem === suffix.slice(1)) return name;
  return undefined;
}

export type LayerKind = 'batchnorm' | 'affine';

/** Batch normalisation or a kernel(+bias) layer, from the class name or else from the weight names. */
export function layerKind(className: string | undefined, storedNames: readonly string[]): LayerKind {
  if (className) return /BatchNorm/i.test(className) ? 'batchnorm' : 'affine';
  const bnHint = /gamma|beta|moving_mean|moving_variance|running_mean|running_std/;
  return storedNames.some((n) => bnHint.test(n)) ? 'batchnorm' : 'affine';
}

/**
 * Canonical names for one layer's weights in stored order. Recognised names win; the rest are assigned
 * by position, the way Keras creates them: kernel, bias for conv/dense; for batch norm gamma, beta,
 * moving_mean, moving_variance, without gamma when scale=False (3 weights) and without beta when center=False.
 */
export function canonicalNames(layer: string, storedNames: readonly string[], kind: LayerKind, options: { scale?: boolean; center?: boolean } = {}): string[] {
  const recognised = storedNames.map(canonicalFromName);
  if (recognised.every((n) => n !== undefined)) return checkUnique(layer, recognised as string[]);
  let positional: string[];
  if (kind === 'affine') {
    positional = ['kernel', 'bias'];
  } else {
    const scale = options.scale ?? storedNames.length !== 3;
    const center = options.center ?? true;
    positional = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
  }
  if (storedNames.length > positional.length) {
    throw new Error(`layer '${layer}': cannot tell what its ${storedNames.length} weights [${storedNames.join(', ')}] are`);
  }
  return checkUnique(
    layer,
    storedNames.map((_, i) => recognised[i] ?? positional[i]),
  );
}

function checkUnique(layer: string, names: string[]): string[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`layer '${layer}' has two weights named '${n}'`);
    seen.add(n);
  }
  return names;
}

/** Sorts a layer's weights into Keras creation order. */
export function inCanonicalOrder(weights: LayerWeight[]): LayerWeight[] {
  const rank = (n: string) => {
    const i = (CANONICAL_ORDER as readonly string[]).indexOf(n);
    return i < 0 ? CANONICAL_ORDER.length : i;
  };
  return weights
    .map((w, i) => ({ w, i }))
    .sort((a, b) => rank(a.w.name) - rank(b.w.name) || a.i - b.i)
    .map(({ w }) => w);
}

/** Flattens to the native parameter names `<layer>/<weight>`. */
export function toParameterMap(layers: readonly LayerWeights[]): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const params = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const l of layers) for (const w of l.weights) params.set(`${l.layer}/${w.name}`, { shape: w.shape, data: w.data });
  return params;
}

// What goes into a converted file's __metadata__ besides the weights: the licence statements found in
// the weights' own documentation, known sources recognised by their weights, and --labels files.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NSFWJS_LABELS } from '../../src/models/labels/index.js';
import type { PreprocessingMode } from '../../src/models/preprocess.js';
import { WeightFileError, type NamedTensor } from '../../src/models/safetensors.js';

const CHECK = 'please check these terms yourself before using or redistributing the weights';

/**
 * Licences as the weights' publishers document them (not legal advice; the user is asked to check).
 * Sources: the "License" section of github.com/fchollet/deep-learning-models README.md (the repository
 * keras.applications grew out of) and the keras-applications README.
 */
export const ZOO_LICENCES: Readonly<Record<string, string>> = {
  vgg16:
    'Keras Applications ImageNet weights, ported from the VGG release at Oxford, which the Keras authors ' +
    'state is under the Creative Commons Attribution License (CC BY 4.0; fchollet/deep-learning-models ' +
    'README, "License"); ' +
    CHECK,
  inceptionv3:
    'Keras Applications ImageNet weights, which the Keras authors state were trained by themselves and ' +
    'released under the MIT license (fchollet/deep-learning-models README, "License"); ' +
    CHECK,
  resnet50v2:
    'Keras Applications ImageNet weights (keras-applications release "resnet"); no licence specific to ' +
    'the ResNetV2 weights is documented there (the keras-applications package is MIT-licensed; its ' +
    'README names no licence for these weights); ' +
    CHECK,
  'nsfwjs-inceptionv3': `nsfwjs model weights, MIT License, Copyright (c) 2019 Infinite Red, Inc. (LICENSE of the nsfwjs npm package); ${CHECK}`,
};

export { placeholderLabels, UNKNOWN_LICENCE } from './metadata-defaults.js';

export interface KnownSource {
  readonly description: string;
  readonly preprocessing: PreprocessingMode;
  /** Where the preprocessing is documented. */
  readonly preprocessingEvidence: string;
  readonly labels: readonly string[];
  readonly licence: string;
}

/**
 * Sources recognised by their weights (see weightsFingerprint), whatever container they come in:
 * model.json + shards, the package's .min.js shards written out, or an .h5 holding the same values.
 */
const KNOWN_SOURCES: Readonly<Record<string, KnownSource>> = {
  '584439eea4b85bc6535d3dc2b969631134f4a2fb2b77e109a11e7143fd6ec30d': {
    description: 'nsfwjs InceptionV3 (npm package nsfwjs, dist/models/inception_v3)',
    preprocessing: 'unit',
    preprocessingEvidence: 'nsfwjs divides the pixels by 255 (normalizationOffset = 255 in dist/cjs/core.js)',
    labels: NSFWJS_LABELS,
    licence: ZOO_LICENCES['nsfwjs-inceptionv3'],
  },
  // Fingerprints of the imported parameters: a change to how the importers name or fold them changes these.
  '394f256e8060e56811932673c72e2a5ff889fc13b633b7069693d3d93b58d754': {
    description: 'nsfwjs MobileNetV2 (npm package nsfwjs, dist/models/mobilenet_v2)',
    preprocessing: 'unit',
    preprocessingEvidence: 'nsfwjs divides the pixels by 255 (normalizationOffset = 255 in dist/cjs/core.js)',
    labels: NSFWJS_LABELS,
    licence: ZOO_LICENCES['nsfwjs-inceptionv3'],
  },
  fd44963455bc72877623925ac8070e11b5753a96fd3f655fa276411d3a08bf55: {
    description: 'nsfwjs MobileNetV2-mid graph model (npm package nsfwjs, dist/models/mobilenet_v2_mid)',
    preprocessing: 'unit',
    preprocessingEvidence: 'nsfwjs divides the pixels by 255 (normalizationOffset = 255 in dist/cjs/core.js); the graph scales them to [-1, 1] itself',
    labels: NSFWJS_LABELS,
    licence: ZOO_LICENCES['nsfwjs-inceptionv3'],
  },
};

/**
 * SHA-256 over the parameters in name order (name, shape and float32 bytes of each): the same weights
 * give the same fingerprint whether they came quantized in a TF.js bundle or as floats in an .h5.
 */
export function weightsFingerprint(params: ReadonlyMap<string, NamedTensor>): string {
  const hash = createHash('sha256');
  for (const name of [...params.keys()].sort()) {
    const t = params.get(name) as NamedTensor;
    hash.update(`${name}\0${JSON.stringify(t.shape)}\0`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

export function knownSource(fingerprint: string): KnownSource | undefined {
  return KNOWN_SOURCES[fingerprint];
}

/** A labels file: a JSON array of strings, or one label per line (blank lines at the end ignored). */
export function readLabelsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WeightFileError(path, `cannot read labels (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new WeightFileError(path, `labels file starts with '[' but is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((l) => typeof l === 'string')) throw new WeightFileError(path, 'labels JSON must be an array of strings');
    return parsed;
  }
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new WeightFileError(path, 'labels file is empty');
  return lines.map((l) => l.trim());
}

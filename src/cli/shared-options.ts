// The options several verbs take, defined once so that their names, help texts, defaults and parsers agree.
import { Option } from 'commander';
import { COLORMAP_NAMES, type ColormapName } from '../image/index.js';
import { DEFAULT_ALPHA, DEFAULT_COLORMAP, type MethodName } from '../methods/index.js';
import { DEFAULT_MODEL } from './model-source.js';
import * as parse from './option-parsers.js';

/** `--model`: a zoo name or a weights file; `what` narrows it where a verb needs a particular kind of model. */
export function modelOption(what = 'a zoo name (weights/<name>.safetensors) or a .safetensors file'): Option {
  return new Option('--model <name|file>', `${what} (default: ${DEFAULT_MODEL}, the bundled model)`);
}

/** `--layer` for the verbs that hook one node for the methods that use a layer. */
export function layerOption(): Option {
  return new Option('--layer <node>', "'auto' (the last full feature map) or a node name, for the methods that hook a layer").default('auto');
}

/** `--methods`: a comma-separated list or 'all'. */
export function methodsOption(defaults: readonly MethodName[]): Option {
  return new Option('--methods <list>', "comma-separated methods, or 'all'").default([...defaults], defaults.join(',')).argParser(parse.methodList);
}

export function outOption(): Option {
  return new Option('--out <dir>', 'output directory (created when missing)').default('out');
}

export function colormapOption(initial: ColormapName = DEFAULT_COLORMAP): Option {
  return new Option('--colormap <name>', COLORMAP_NAMES.join(' | ')).default(initial).argParser(parse.colormapName);
}

export function alphaOption(): Option {
  return new Option('--alpha <a>', 'heat-map weight in the overlay, 0..1').default(DEFAULT_ALPHA).argParser(parse.fraction);
}

/** `--class` for the verbs that explain one class per image. */
export function classOption(fallback = 'the top-1 class'): Option {
  return new Option('--class <index|label>', `the class to explain (default: ${fallback})`);
}

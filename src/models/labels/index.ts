// Class label sets shipped with the package (sources and licences in README.md beside this file).
import imagenet from './imagenet.json' with { type: 'json' };

/** The 1000 ImageNet-1k class names in logit order. */
export const IMAGENET_LABELS: readonly string[] = Object.freeze(imagenet as string[]);

/** nsfwjs' five classes in logit order (nsfwjs NSFW_CLASSES, MIT licence). */
export const NSFWJS_LABELS: readonly string[] = Object.freeze(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);

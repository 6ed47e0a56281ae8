// `explain <image...>`: the options, their defaults and checks; the work is in explain-run.ts.
import { Command, Option } from 'commander';
import {
  DEFAULT_TOP_K,
  GRADIENT_DEFAULT_BATCH,
  IG_DEFAULT_STEPS,
  METHOD_NAMES,
  METHODS,
  SCORECAM_DEFAULT_BATCH,
  SCORECAM_DEFAULT_MAX_CHANNELS,
  SMOOTHGRAD_DEFAULT_NOISE,
  SMOOTHGRAD_DEFAULT_SAMPLES,
  type MethodName,
  type MethodOptions,
} from '../methods/index.js';
import type { ColormapName } from '../image/index.js';
import { runExplain, type ExplainJob } from './explain-run.js';
import * as parse from './option-parsers.js';
import { modelOption, outOption, colormapOption, alphaOption, classOption } from './shared-options.js';

interface ExplainFlags {
  model?: string;
  layer: string;
  method: MethodName;
  class?: string;
  topK: number;
  out: string;
  colormap: ColormapName;
  alpha: number;
  json?: boolean;
  maxChannels?: number;
  samples?: number;
  noise?: number;
  steps?: number;
  batchSize?: number;
  seed?: number;
  resume?: boolean;
}

/** Method-specific flags: the method option each sets. */
const OPTION_OF: Readonly<Record<string, keyof MethodOptions>> = {
  maxChannels: 'scoreCamMaxChannels',
  samples: 'samples',
  noise: 'noise',
  seed: 'seed',
  steps: 'steps',
  batchSize: 'batchSize',
};

/** The methods that read each flag, from the registry. */
const READ_BY: Readonly<Record<string, readonly MethodName[]>> = Object.fromEntries(
  Object.entries(OPTION_OF).map(([key, option]) => [key, METHOD_NAMES.filter((m) => METHODS[m].reads.includes(option))]),
);

const FLAG_OF: Readonly<Record<string, string>> = {
  maxChannels: '--max-channels',
  samples: '--samples',
  noise: '--noise',
  seed: '--seed',
  steps: '--steps',
  batchSize: '--batch-size',
};

/** The verb; `finished` receives the exit status of the run. */
export function explainCommand(finished: (status: number) => void): Command {
  const command = new Command('explain')
    .summary('explain images: an overlay, a heat map and a JSON document per image')
    .description(
      'Explain what the model looked at: for each image write <out>/<stem>.<method>.png (the heat map over the picture, at its original size), ' +
        '<stem>.<method>.heatmap.png (the map alone) and <stem>.<method>.json (every number behind them); ' +
        'guided methods also write <stem>.<method>.gradient.png.',
    )
    .argument('<image...>', "PNG or JPEG files, directories (searched recursively; images found by content) or glob patterns ('photos/**/*.jpg', quoted)")
    .addOption(modelOption())
    .option('--layer <node>', "'auto' (the last full feature map), a node name, or '<node>:input' for a node's input (see the 'layers' verb)", 'auto')
    .addOption(new Option('--method <name>', `one of ${METHOD_NAMES.join(', ')}`).default('gradcam').argParser(parse.method))
    .addOption(classOption('the top-1 class of each image'))
    .option('--top-k <n>', 'how many top classes to report', parse.positiveInteger, DEFAULT_TOP_K)
    .addOption(outOption())
    .addOption(colormapOption())
    .addOption(alphaOption())
    .option('--resume', 'skip images whose outputs exist from a run with the same model, weights, method, node, class and options')
    .option('--json', 'also print the JSON documents to stdout (one document; an array for several images) instead of the report')
    .option('--max-channels <n>', `scorecam: score at most this many channels (default ${SCORECAM_DEFAULT_MAX_CHANNELS})`, parse.positiveInteger)
    .option('--samples <n>', `smoothgrad: noisy copies (default ${SMOOTHGRAD_DEFAULT_SAMPLES})`, parse.positiveInteger)
    .option('--noise <s>', `smoothgrad: noise sigma as a fraction of the input's value range (default ${SMOOTHGRAD_DEFAULT_NOISE})`, parse.nonNegativeNumber)
    .option('--seed <n>', 'smoothgrad: noise seed (default 0: the same noise every run)', parse.nonNegativeInteger)
    .option('--steps <n>', `integrated-gradients: path intervals (default ${IG_DEFAULT_STEPS})`, parse.positiveInteger)
    .option(
      '--batch-size <n>',
      `images per batched forward for scorecam (default ${SCORECAM_DEFAULT_BATCH}), smoothgrad and integrated-gradients (default ${GRADIENT_DEFAULT_BATCH})`,
      parse.positiveInteger,
    )
    .addHelpText(
      'after',
      [
        '',
        'Several images share one model load. An image that cannot be read is reported (one line on stderr) and',
        "skipped; the others are still explained, and the exit status is then 2. Each image's files are written",
        "together or not at all. A directory's tree is mirrored under --out. With a directory, a glob, several images",
        'or --resume, <out>/summary.jsonl (one line per image as it finishes) and <out>/summary.csv list every image',
        'with its class, label, probability, status (explained, skipped, failed) and files. Ctrl-C stops after',
        'removing the image in progress and writing the summary (exit 130); --resume then continues.',
        '',
        'Exit status: 0 done, 2 bad input (unreadable image, unknown layer/class/method, weights problem, no GPU adapter),',
        '1 internal error.',
        '',
        'Examples:',
        '  npx gradscope explain photo.jpg',
        '  npx gradscope explain a.png b.png --model vgg16 --method gradcam++ --class "tabby cat" --out maps',
        '  npx gradscope explain photo.jpg --layer conv4_block6_out --colormap viridis --json > photo.json',
        '  npx gradscope explain photos/ --out maps --resume',
        "  npx gradscope explain 'shoot/**/*.jpg' --method layercam",
      ].join('\n'),
    )
    .action(async (images: string[], flags: ExplainFlags, cmd: Command) => {
      const methodOptions: MethodOptions = {
        scoreCamMaxChannels: flags.maxChannels,
        samples: flags.samples,
        noise: flags.noise,
        steps: flags.steps,
        batchSize: flags.batchSize,
        seed: flags.seed,
      };
      const ignored = Object.keys(READ_BY)
        .filter((key) => cmd.getOptionValueSource(key) === 'cli' && !READ_BY[key].includes(flags.method))
        .map((key) => `${FLAG_OF[key]} is ignored: only ${READ_BY[key].join(', ')} read${READ_BY[key].length > 1 ? '' : 's'} it, not ${flags.method}.`);
      const job: ExplainJob = {
        images,
        modelSpec: flags.model,
        layer: flags.layer,
        method: flags.method,
        classSpec: flags.class,
        topK: flags.topK,
        outDir: flags.out,
        render: { colormap: flags.colormap, alpha: flags.alpha },
        json: flags.json === true,
        methodOptions,
        readOptions: Object.fromEntries(
          Object.entries(methodOptions).filter(([key, value]) => value !== undefined && METHODS[flags.method].reads.includes(key as keyof MethodOptions)),
        ),
        ignoredOptions: ignored,
        resume: flags.resume === true,
      };
      finished(await runExplain(job));
    });
  return command;
}

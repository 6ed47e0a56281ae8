// The weight converter's command line:
//   npx gradscope convert <input> --out <file.safetensors> [--arch NAME] [--preprocess MODE] [--labels FILE]
//     (the same command as `npx tsx tools/convert-weights/index.ts <input> …` in a clone: convertCommand below)
//   npx tsx tools/convert-weights/index.ts fetch <resnet50v2|vgg16|inceptionv3>   (in a clone only)
// Exit status 0 when the file was written, 2 for a bad input or argument (one line on stderr, naming
// the file; nothing written), 1 for anything unexpected (a bug: the stack follows).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { NATIVE_MODELS } from '../../src/models/index.js';
import { PREPROCESSING_MODES } from '../../src/models/preprocess.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { fetchKerasWeights, KERAS_IMAGENET_WEIGHTS, WeightDownloadError, type KerasZooName } from './fetch.js';
import type { ConversionResult, ConvertOptions } from './to-native.js';

/** The repository root: `weights/` there is where `loadModel('vgg16')` looks. */
export const REPO_ROOT = PACKAGE_ROOT;
export const DEFAULT_WEIGHTS_DIR = join(REPO_ROOT, 'weights');

// The importers (h5wasm, protobufjs: most of a second to load) are loaded when a conversion runs, so that
// `gradscope <any verb>`, which registers this command, does not pay for them.
const importer = () => import('./to-native.js');

/** The converter's own bad inputs (a file it cannot read, a failed download, a bad option): one line, exit 2. */
export async function isConverterBadInput(e: unknown): Promise<boolean> {
  if (e instanceof WeightFileError || e instanceof WeightDownloadError) return true;
  return e instanceof (await importer()).UsageError;
}

/**
 * What a host program does with the converter's bad inputs. The main CLI turns them into its own UsageError (so that
 * its error handler prints one line and exits 2); this file's main() lets them through and reports them itself.
 */
export type BadInputHandler = (e: Error) => Error;

async function settled(work: () => Promise<void>, asBadInput: BadInputHandler | undefined): Promise<void> {
  try {
    await work();
  } catch (e) {
    if (asBadInput && e instanceof Error && (await isConverterBadInput(e))) throw asBadInput(e);
    throw e;
  }
}

const EXIT_BAD_INPUT = 2;

interface ConvertFlags {
  out: string;
  arch?: string;
  preprocess?: string;
  labels?: string;
  licence?: string;
  inputSize?: string;
}

async function parseSize(text: string | undefined): Promise<ConvertOptions['inputSize']> {
  if (text === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m || Number(m[1]) <= 0 || Number(m[2]) <= 0)
    throw new (await importer()).UsageError(`--input-size must be HEIGHTxWIDTH (e.g. 224x224), given '${text}'`);
  return { height: Number(m[1]), width: Number(m[2]) };
}

function report(result: ConversionResult): void {
  const nodes = result.graph.nodes.length;
  const mb = (result.parameterCount * 4) / 2 ** 20;
  console.log(
    `wrote ${result.out}: ${result.architecture}, ${nodes} nodes, ${result.parameterCount.toLocaleString('en-US')} parameters (${mb.toFixed(1)} MiB)`,
  );
  for (const note of result.notes) console.log(`  ${note}`);
}

/**
 * The converter's command, named `name`: `convert-weights` when this file runs on its own, `convert` as a verb of
 * the main CLI (src/cli/convert-command.ts), which passes `asBadInput`.
 */
export function convertCommand(name = 'convert-weights', asBadInput?: BadInputHandler): Command {
  return new Command(name)
    .description('Convert a Keras .h5 or .keras, TF.js layers model or ONNX file into a gradscope weights file (safetensors).')
    .argument('<input>', 'a Keras .h5 or Keras 3 .keras, a TF.js model.json (or its directory) or an .onnx file')
    .requiredOption('--out <file>', 'the .safetensors file to write')
    .option('--arch <name>', `map the weights onto a native definition (${Object.keys(NATIVE_MODELS).join(', ')}) instead of importing the file's own topology`)
    .option('--preprocess <mode>', `input convention (${PREPROCESSING_MODES.join(', ')}); default: the architecture's, or a known source's`)
    .option('--labels <file>', 'class names: one per line, or a JSON array')
    .option('--licence <text>', 'licence to record (default: the documented one for known files, else "unknown")')
    .option('--input-size <HxW>', 'import size for a model whose height and width are left open (ONNX symbolic dims, Keras None)')
    .action((input: string, flags: ConvertFlags) =>
      settled(async () => {
        const { convertWeights } = await importer();
        const inputSize = await parseSize(flags.inputSize);
        report(
          await convertWeights({
            input,
            out: flags.out,
            arch: flags.arch,
            preprocess: flags.preprocess,
            labels: flags.labels,
            licence: flags.licence,
            inputSize,
          }),
        );
      }, asBadInput),
    );
}

function progressPrinter(): ((received: number, total: number | undefined) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (received, total) => {
    const pct = total ? Math.floor((100 * received) / total) : -1;
    if (pct === last) return;
    last = pct;
    const mib = (received / 2 ** 20).toFixed(1);
    process.stderr.write(`\r  ${mib} MiB${total ? ` of ${(total / 2 ** 20).toFixed(1)} MiB (${pct}%)` : ''}`);
  };
}

function fetchCommand(): Command {
  return new Command('fetch')
    .description('Download the official Keras ImageNet weights (md5-checked) and convert them to <dir>/<arch>.safetensors.')
    .argument('<arch>', Object.keys(KERAS_IMAGENET_WEIGHTS).join(' | '))
    .option('--dir <dir>', 'where the .h5 and the .safetensors go', DEFAULT_WEIGHTS_DIR)
    .option('--timeout <seconds>', 'give up on the download after this long')
    .action(async (arch: string, flags: { dir: string; timeout?: string }) => {
      const { convertWeights, UsageError } = await importer();
      if (!Object.hasOwn(KERAS_IMAGENET_WEIGHTS, arch)) {
        throw new UsageError(`fetch knows ${Object.keys(KERAS_IMAGENET_WEIGHTS).join(', ')}; given '${arch}'`);
      }
      const timeoutMs = flags.timeout === undefined ? undefined : Number(flags.timeout) * 1000;
      if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError(`--timeout must be a positive number of seconds, given '${flags.timeout}'`);
      const onProgress = progressPrinter();
      console.log(`downloading ${KERAS_IMAGENET_WEIGHTS[arch as KerasZooName].url}`);
      const h5 = await fetchKerasWeights(arch as KerasZooName, flags.dir, { timeoutMs, idleTimeoutMs: timeoutMs, onProgress });
      if (onProgress) process.stderr.write('\n');
      report(await convertWeights({ input: h5, out: join(flags.dir, `${arch}.safetensors`), arch }));
    });
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = argv[0] === 'fetch' ? fetchCommand() : convertCommand();
  // Through console so that callers embedding main() (the tests) see everything it prints.
  program.exitOverride().configureOutput({
    writeOut: (text) => console.log(text.replace(/\n$/, '')),
    writeErr: (text) => console.error(text.replace(/\n$/, '')),
  });
  try {
    await program.parseAsync(argv[0] === 'fetch' ? argv.slice(1) : [...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_BAD_INPUT; // commander printed the message
    if (e instanceof Error && (await isConverterBadInput(e))) {
      console.error(e.message);
      return EXIT_BAD_INPUT;
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}

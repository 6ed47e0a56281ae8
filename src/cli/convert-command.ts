// `gradscope convert`: the weight converter's own command (tools/convert-weights/index.ts), registered as a verb so
// that an installed package can import a user's ONNX / Keras / TF.js model. Its bad inputs become this CLI's
// UsageError: one line, exit 2, as from `npx tsx tools/convert-weights/index.ts` in a clone.
import type { Command } from 'commander';
import { convertCommand as converterCommand } from '../../tools/convert-weights/index.js';
import { UsageError } from './errors.js';

export function convertCommand(): Command {
  return converterCommand('convert', (e) => new UsageError(e.message));
}

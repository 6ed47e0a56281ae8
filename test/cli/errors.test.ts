// Exit statuses by error kind (no GPU): bad input → 2 with one line, anything else → 1 with its message.
import { describe, expect, it } from 'vitest';
import { errorReport, exitStatusOf, OutputError, UsageError } from '../../src/cli/errors.js';
import { ImageError } from '../../src/image/index.js';
import { MissingWeightsError } from '../../src/models/load.js';
import { WeightFileError } from '../../src/models/safetensors.js';
import { NoAdapterError } from '../../src/tensor/index.js';
import { UnknownClassError, UnknownNodeError } from '../../src/methods/index.js';

describe('CLI error classification', () => {
  it.each([
    new UsageError('bad flag'),
    new OutputError('out/a.png', 'ENOSPC'),
    new ImageError('a.png', 'truncated PNG data'),
    new WeightFileError('w.safetensors', 'cannot read (ENOENT)'),
    new MissingWeightsError('vgg16', 'weights/vgg16.safetensors'),
    new UnknownNodeError('c33', ['c3']),
    new UnknownClassError('no class labelled x'),
    new NoAdapterError('requestAdapter returned null'),
  ])('%s is bad input: exit 2, one line starting with "error: "', (e) => {
    expect(exitStatusOf(e)).toBe(2);
    const report = errorReport(e);
    expect(report.split('\n')).toHaveLength(1);
    expect(report).toBe(`error: ${e.message.replace(/\s*\n\s*/g, ' ')}`);
  });

  it('anything else is an internal error: exit 1, its message, the stack only with GRADSCOPE_DEBUG', () => {
    const e = new TypeError('cannot read properties of undefined');
    expect(exitStatusOf(e)).toBe(1);
    const saved = process.env.GRADSCOPE_DEBUG;
    delete process.env.GRADSCOPE_DEBUG;
    expect(errorReport(e)).toBe('internal error: cannot read properties of undefined (set GRADSCOPE_DEBUG=1 for the stack trace)');
    process.env.GRADSCOPE_DEBUG = '1';
    expect(errorReport(e).split('\n').length).toBeGreaterThan(1);
    if (saved === undefined) delete process.env.GRADSCOPE_DEBUG;
    else process.env.GRADSCOPE_DEBUG = saved;
  });
});

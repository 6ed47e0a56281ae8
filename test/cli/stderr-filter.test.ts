// The stderr filter between the CLI's child and the user (no GPU): Dawn's known start-up lines
// are dropped, everything else passes in order, however the text is split into chunks.
import { describe, expect, it } from 'vitest';
import { GPU_READY_MARKER, NO_ADAPTER_MARKER, StderrFilter } from '../../src/cli/stderr-filter.js';

const DAWN = [
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.',
];

function filtered(text: string, chunk: number): string {
  let out = '';
  const f = new StderrFilter((s) => (out += s));
  for (let i = 0; i < text.length; i += chunk) f.push(text.slice(i, i + chunk));
  f.end();
  return out;
}

describe('StderrFilter', () => {
  const chunkSizes = [1, 3, 7, 1000];

  it.each(chunkSizes)('drops the Dawn start-up warnings and the marker, keeps the rest (chunks of %i characters)', (chunk) => {
    const text = [...DAWN, GPU_READY_MARKER, 'warning: --samples is ignored', 'error: x.png: truncated PNG data', ''].join('\n');
    expect(filtered(text, chunk)).toBe('warning: --samples is ignored\nerror: x.png: truncated PNG data\n');
  });

  it.each(chunkSizes)('no adapter: the driver diagnostics before the marker are dropped for the one error line (chunks of %i)', (chunk) => {
    const text = [
      ...DAWN,
      'Warning: vkCreateInstance: Found no drivers!',
      'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
      '    at CheckVkSuccessImpl (/src/dawn/native/vulkan/VulkanError.cpp:106)',
      '',
      NO_ADAPTER_MARKER,
      'error: No WebGPU adapter found (…)',
      '',
    ].join('\n');
    expect(filtered(text, chunk)).toBe('error: No WebGPU adapter found (…)\n');
  });

  it('unexpected native diagnostics are held until the GPU is ready, then shown; a crash before that shows them at the end', () => {
    const odd = 'Warning: something new from the driver';
    expect(filtered([odd, ...DAWN, GPU_READY_MARKER, 'done', ''].join('\n'), 5)).toBe(`${odd}\ndone\n`);
    expect(filtered([odd, 'Segmentation fault', ''].join('\n'), 4)).toBe(`Segmentation fault\n${odd}\n`);
  });

  it('a partial line that cannot be a dropped line is forwarded at once (progress text without a newline)', () => {
    const seen: string[] = [];
    const f = new StderrFilter((s) => seen.push(s));
    f.push('\r 3/10 images');
    expect(seen).toEqual(['\r 3/10 images']);
    f.push(' done\n');
    expect(seen.join('')).toBe('\r 3/10 images done\n');
  });

  it('an XDG_RUNTIME_DIR complaint is dropped at any time; other Warning lines after start-up pass', () => {
    const text = [GPU_READY_MARKER, 'error: XDG_RUNTIME_DIR is invalid or not set in the environment.', 'Warning: later', ''].join('\n');
    expect(filtered(text, 2)).toBe('Warning: later\n');
  });
});

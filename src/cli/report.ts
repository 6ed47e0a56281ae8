// The human report of one explanation: what was explained, the top classes, which node and why,
// warnings and notes, the map's status, and the files written.
import type { Explanation } from '../methods/index.js';
import type { Shape } from '../tensor/index.js';

export interface WrittenFiles {
  overlay: string;
  heatmap: string;
  json: string;
  /** Guided methods: the signed input gradient as a picture. */
  gradient?: string;
}

export function formatProbability(p: number): string {
  return p >= 0.001 || p === 0 ? p.toFixed(3) : p.toExponential(1);
}

/** NHWC [1, 12, 12, 64] → '12×12×64'. */
export function spatialShape(shape: Shape): string {
  return shape.slice(1).join('×');
}

export function formatExplanation(
  image: { file: string; width: number; height: number },
  expl: Explanation,
  files: WrittenFiles,
  classChoice: 'top-1' | 'requested',
): string {
  const lines: string[] = [];
  const chosen = classChoice === 'top-1' ? 'top-1' : 'as requested';
  lines.push(
    `${image.file} (${image.width}×${image.height}): ${expl.method} for '${expl.label}' (class ${expl.class}, ${chosen}), ` +
      `logit ${expl.logit.toPrecision(5)}, p ${formatProbability(expl.probability)}`,
  );
  const top = expl.topk.map((c) => `${c.label} (${c.index}) ${formatProbability(c.probability)}`).join(', ');
  lines.push(`  top-${expl.topk.length}: ${top}`);
  const how = expl.layerChoice.mode === 'auto' ? 'automatic choice' : 'named';
  lines.push(`  node: ${expl.node} (${expl.nodeRole}, ${spatialShape(expl.nodeShape)}); ${how}: ${expl.layerChoice.reason}`);
  for (const w of expl.layerChoice.warnings) lines.push(`  warning: ${w}`);
  for (const n of [...expl.layerChoice.notes, ...expl.notes]) lines.push(`  note: ${n}`);
  const list = [files.overlay, files.heatmap, ...(files.gradient ? [files.gradient] : []), files.json];
  if (expl.status === 'ok') {
    lines.push(`  map: ${expl.lowres.height}×${expl.lowres.width}, max ${expl.max.toPrecision(4)}`);
    lines.push(`  wrote ${list.join(', ')}`);
  } else {
    lines.push(`  map: ${expl.status}: ${expl.statusMessage ?? ''}`.trimEnd());
    const flat = [files.overlay, files.heatmap, ...(files.gradient ? [files.gradient] : [])];
    lines.push(
      `  wrote ${files.json} (status '${expl.status}') and, so that every image has its files, flat pictures with nothing highlighted: ${flat.join(', ')}`,
    );
  }
  return lines.join('\n');
}

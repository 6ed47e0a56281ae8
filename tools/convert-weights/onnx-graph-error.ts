// What the ONNX graph importer rejects on purpose: op types it does not know, and cases of known ops
// that the graph layer cannot express (grouped convolution, broadcasting, a transpose, …). Any other
// exception out of the importer is a bug or a malformed file, never "unsupported".

export interface OnnxImportProblem {
  opType: string;
  /** Node names (node.name, else the first output name). */
  nodes: string[];
  /** Why, for one case of a known op; absent for an op type the importer does not know at all. */
  reason?: string;
}

export class OnnxImportError extends Error {
  constructor(
    readonly file: string,
    readonly problems: OnnxImportProblem[],
  ) {
    const lines = problems.map((p) => `  ${p.opType} (${p.nodes.join(', ')})${p.reason ? `: ${p.reason}` : ''}`);
    const unknown = problems.filter((p) => p.reason === undefined).length;
    const head =
      unknown === problems.length ? `unsupported ONNX op type${unknown === 1 ? '' : 's'}` : `unsupported ONNX node${problems.length === 1 ? '' : 's'}`;
    super(`cannot import ${file}: ${head}:\n${lines.join('\n')}`);
    this.name = 'OnnxImportError';
  }

  /** The problems on one line, for a conformance report. */
  get summary(): string {
    return this.problems.map((p) => `${p.opType}${p.reason ? `: ${p.reason}` : ' is not supported'}`).join('; ');
  }
}

/** Thrown while converting one node; the importer collects these into one OnnxImportError. */
export class UnsupportedCase extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnsupportedCase';
  }
}

export function unsupported(reason: string): never {
  throw new UnsupportedCase(reason);
}

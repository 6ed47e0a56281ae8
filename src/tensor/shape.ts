// Shape helpers and the one error type for bad shapes and attributes.

export type Shape = readonly number[];

export class ShapeError extends Error {
  constructor(op: string, expected: string, given: string) {
    super(`${op}: expected ${expected}, given ${given}`);
    this.name = 'ShapeError';
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertRank(op: string, name: string, shape: Shape, rank: number): void {
  if (shape.length !== rank) throw new ShapeError(op, `${name} of rank ${rank}`, `${name} of shape ${fmt(shape)}`);
}

export function assertSameShape(op: string, a: Shape, b: Shape): void {
  if (!sameShape(a, b)) throw new ShapeError(op, `equal shapes`, `${fmt(a)} and ${fmt(b)}`);
}

export function assertPositiveInts(op: string, what: string, values: readonly number[]): void {
  if (!values.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ShapeError(op, `${what} of positive integers`, `[${values.join(', ')}]`);
  }
}

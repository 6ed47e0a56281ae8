// The shape every weight-file reader's refusal must have: a WeightFileError naming the file, one
// line "<file>: <problem>", and the problem matching what the test expects.
import { expect } from 'vitest';
import { WeightFileError } from '../../src/models/safetensors.js';

export function expectWeightFileError(error: unknown, file: string, problem: RegExp): WeightFileError {
  expect(error).toBeInstanceOf(WeightFileError);
  const e = error as WeightFileError;
  expect(e.file).toBe(file);
  expect(e.message).toBe(`${file}: ${e.problem}`);
  expect(e.message).not.toContain('\n');
  expect(e.problem).toMatch(problem);
  return e;
}

/** Runs `run` and checks that it throws a well-formed WeightFileError. */
export function expectFileError(run: () => unknown, file: string, problem: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expectWeightFileError(error, file, problem);
}

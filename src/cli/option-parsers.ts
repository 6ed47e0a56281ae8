// Option values checked as they are parsed: a bad value stops the command before anything runs,
// with commander's one line "error: option '--x <v>' argument 'y' is invalid. <why>".
import { InvalidArgumentError } from 'commander';
import { COLORMAP_NAMES, type ColormapName } from '../image/index.js';
import { METHOD_NAMES, type MethodName } from '../methods/index.js';
import { nearestNames } from '../models/targets.js';

export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('It must be a positive integer.');
  }
  return Number(value);
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('It must be a non-negative integer.');
  return Number(value);
}

function finiteNumber(value: string): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError('It must be a number.');
  return v;
}

export function fraction(value: string): number {
  const v = finiteNumber(value);
  if (v < 0 || v > 1) throw new InvalidArgumentError('It must be between 0 and 1.');
  return v;
}

export function nonNegativeNumber(value: string): number {
  const v = finiteNumber(value);
  if (v < 0) throw new InvalidArgumentError('It must be a number ≥ 0.');
  return v;
}

function oneOf<T extends string>(value: string, valid: readonly T[], what: string): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  const lower = value.toLowerCase();
  const loose = valid.find((v) => v.toLowerCase() === lower);
  if (loose) return loose;
  const [nearest] = nearestNames(lower, valid, 1);
  throw new InvalidArgumentError(`Unknown ${what}; did you mean '${nearest}'? Valid: ${valid.join(', ')}.`);
}

export function method(value: string): MethodName {
  return oneOf(value, METHOD_NAMES, 'method');
}

/** A comma-separated list of methods, or 'all'; each named once, in the order given. */
export function methodList(value: string): MethodName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('Give a comma-separated list of methods, or all.');
  const list = names.length === 1 && names[0] === 'all' ? [...METHOD_NAMES] : names.map(method);
  return [...new Set(list)];
}

export function colormapName(value: string): ColormapName {
  return oneOf(value, COLORMAP_NAMES, 'colormap');
}

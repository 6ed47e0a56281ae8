// Scopes release every tensor created inside them that the scope's function does not return,
// so a forward and backward pass leaves nothing behind but its results.
import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

export function trackInScope(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    into.add(value);
    return;
  }
  if (value instanceof Map) {
    // Keys are only identities for lookup (e.g. gradients keyed by tensor); values are kept.
    for (const v of value.values()) collectTensors(v, into, seen);
    return;
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

function isTensor(v: object): v is Tensor {
  return 'shape' in v && 'buffer' in v && typeof (v as { dispose?: unknown }).dispose === 'function' && 'retain' in v;
}

function closeScope(created: Set<Tensor>, result: unknown): void {
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  for (const t of created) if (!kept.has(t)) t.dispose();
  // Returned tensors now belong to the enclosing scope.
  for (const t of kept) if (created.has(t)) trackInScope(t);
}

/**
 * Runs fn and disposes every tensor it created that is not part of its result (tensors found in
 * returned arrays, plain objects, Map values and Sets are kept). Synchronous on purpose: scopes nest
 * as a stack, which interleaved async code would break.
 */
export function tidy<T>(fn: () => T): T {
  const created = new Set<Tensor>();
  scopes.push(created);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of created) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy() takes a synchronous function; read tensors after it returns');
  closeScope(created, result);
  return result;
}

/** Removes a tensor from every open scope so it outlives them (e.g. model weights). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

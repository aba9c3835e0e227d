/**
 * Bounds on client-supplied JSON (activity `value`, `channelData`, `attachments`,
 * `entities`, and the body as a whole), checked ITERATIVELY with an explicit stack, so
 * that checking a 100,000-deep value cannot overflow the call stack itself.
 *
 * Why: `JSON.parse` accepts very deep input, but later recursive steps (redaction,
 * structuredClone, JSON.stringify of a poll) overflow on it, and an accepted activity
 * that cannot be read back breaks polls and exports for good. Anything accepted must
 * stay within these bounds.
 */
import { z } from 'zod';

/** Deepest nesting accepted inside one field (objects and arrays each count one level). */
export const MAX_JSON_DEPTH = 32;
/** Approximate serialised size accepted for one field. */
export const MAX_FIELD_BYTES = 64 * 1024;
/** Nesting accepted for a whole activity (a field at the top level adds one). */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 8;

export interface JsonShape {
  /** Depth: a scalar is 0, `{}` and `[]` are 1, `[[1]]` is 2. */
  depth: number;
  /** Approximate JSON size in bytes (UTF-16 code units of strings and keys, plus punctuation). */
  bytes: number;
}

/**
 * Measures a parsed JSON value without recursion. Stops early (returning what it has
 * seen so far, which already exceeds a bound) once `stopAt` depth or bytes is passed.
 */
export function measureJson(value: unknown, stopAt: { depth: number; bytes: number } = { depth: Infinity, bytes: Infinity }): JsonShape {
  let depth = 0;
  let bytes = 0;
  const stack: { node: unknown; level: number }[] = [{ node: value, level: 0 }];
  while (stack.length > 0) {
    const { node, level } = stack.pop()!;
    if (node !== null && typeof node === 'object') {
      const here = level + 1;
      if (here > depth) depth = here;
      bytes += 2;
      if (depth > stopAt.depth || bytes > stopAt.bytes) break;
      if (Array.isArray(node)) {
        for (const item of node) {
          bytes += 1;
          stack.push({ node: item, level: here });
        }
      } else {
        for (const key of Object.keys(node)) {
          bytes += key.length + 4;
          stack.push({ node: (node as Record<string, unknown>)[key], level: here });
        }
      }
    } else if (typeof node === 'string') {
      bytes += node.length + 2;
    } else {
      bytes += node === undefined ? 0 : String(node).length;
    }
    if (bytes > stopAt.bytes) break;
  }
  return { depth, bytes };
}

/** The problem with a value, or undefined when it is within the bounds. */
export function jsonBoundsProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_FIELD_BYTES): string | undefined {
  const shape = measureJson(value, { depth: maxDepth, bytes: maxBytes });
  if (shape.depth > maxDepth) return `must not nest deeper than ${maxDepth} levels`;
  if (shape.bytes > maxBytes) return `must be at most ${Math.round(maxBytes / 1024)} KB`;
  return undefined;
}

/** A zod check for any JSON field: depth ≤ MAX_JSON_DEPTH and size ≤ MAX_FIELD_BYTES. */
export function boundedJson<T extends z.ZodType>(schema: T, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_FIELD_BYTES) {
  return z.unknown().superRefine((v, ctx) => {
    const problem = jsonBoundsProblem(v, maxDepth, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).pipe(schema);
}

import { JSONPath } from 'jsonpath-plus';
import type { JsonObject, JsonValue } from './json.ts';

/**
 * When a Wait state entered at `enteredAt` (epoch ms) with `input` ends, computed as the interpreter
 * does (InputPath, then Seconds | Timestamp | SecondsPath | TimestampPath), so the deadline can be kept
 * across a restart. `undefined` when it cannot be computed (the interpreter then reports the error).
 */
export function waitDeadline(state: JsonObject, input: JsonValue, enteredAt: number): number | undefined {
  const inputPath = state['InputPath'];
  const effective = typeof inputPath === 'string' ? query(inputPath, input) : input;
  const seconds =
    typeof state['SecondsPath'] === 'string' ? query(state['SecondsPath'], effective) : state['Seconds'];
  if (typeof seconds === 'number') return enteredAt + seconds * 1000;
  const timestamp =
    typeof state['TimestampPath'] === 'string'
      ? query(state['TimestampPath'], effective)
      : state['Timestamp'];
  if (typeof timestamp !== 'string') return undefined;
  const instant = Date.parse(timestamp);
  return Number.isNaN(instant) ? undefined : instant;
}

function query(path: string, json: JsonValue | undefined): JsonValue | undefined {
  if (json === undefined) return undefined;
  if (json === null || typeof json !== 'object') return path === '$' ? json : undefined;
  const result: unknown = JSONPath({ path, json, wrap: false });
  return result as JsonValue | undefined;
}

import { createHash, randomUUID } from 'node:crypto';

const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * The functions Step Functions adds to JSONata ($partition, $range, $hash, $uuid, $parse); JSONata's
 * own `$random` already exists. Bound to every evaluation next to the variables.
 */
export const STEP_FUNCTIONS_JSONATA_FUNCTIONS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  partition(array: unknown[], size: number): unknown[][] {
    if (!Array.isArray(array) || !Number.isInteger(size) || size < 1) {
      throw new Error('$partition expects an array and a positive integer size');
    }
    const chunks: unknown[][] = [];
    for (let index = 0; index < array.length; index += size) chunks.push(array.slice(index, index + size));
    return chunks;
  },
  range(start: number, end: number, step: number): number[] {
    if (![start, end, step].every(Number.isInteger) || step === 0) {
      throw new Error('$range expects integer start, end and a non-zero step');
    }
    const values: number[] = [];
    for (let value = start; step > 0 ? value <= end : value >= end; value += step) values.push(value);
    return values;
  },
  hash(data: unknown, algorithm: string): string {
    const name = HASH_ALGORITHMS[algorithm];
    if (typeof data !== 'string' || name === undefined) {
      throw new Error(`$hash expects a string and one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`);
    }
    return createHash(name).update(data).digest('hex');
  },
  uuid(): string {
    return randomUUID();
  },
  parse(text: string): unknown {
    if (typeof text !== 'string') throw new Error('$parse expects a string');
    return JSON.parse(text) as unknown;
  },
};

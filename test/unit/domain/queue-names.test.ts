import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_QUEUE_NAME_LENGTH,
  inputQueueNamePrefix,
  projectQueueNames,
  projectIdSchema,
} from '#contracts/identifiers.ts';

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-'.split('');
const word = (min: number, max: number) =>
  fc.array(fc.constantFrom(...CHARS), { minLength: min, maxLength: max }).map((chars) => chars.join(''));
/** Any id the schema accepts: 1-24 of a-z, 0-9 and "-", not starting with "-". */
const id = word(1, 24).filter((value) => projectIdSchema.safeParse(value).success);
/** Any queue prefix the CDK configuration accepts: 1-24 of a-z, 0-9 and "-". */
const prefix = word(1, 24);
const SQS_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

describe('project queue names', () => {
  it('are valid SQS FIFO names within 80 characters for every prefix and id', () => {
    fc.assert(
      fc.property(prefix, id, id, (queuePrefix, projectId, userId) => {
        const names = projectQueueNames(queuePrefix, projectId, userId);
        for (const name of Object.values(names)) {
          expect(name.length).toBeLessThanOrEqual(MAX_QUEUE_NAME_LENGTH);
          expect(name).toMatch(SQS_NAME);
          expect(name.startsWith(`${queuePrefix}-`)).toBe(true);
        }
        // Workers discover input queues by this prefix; the IAM patterns are `<prefix>-<kind>-*`.
        expect(names.input.startsWith(inputQueueNamePrefix(queuePrefix))).toBe(true);
        expect(names.deadLetter.startsWith(`${queuePrefix}-dlq-`)).toBe(true);
        expect(names.interrupt.startsWith(`${queuePrefix}-interrupt-`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('differ for every two project-user pairs', () => {
    fc.assert(
      fc.property(prefix, id, id, id, id, (queuePrefix, p1, u1, p2, u2) => {
        fc.pre(p1 !== p2 || u1 !== u2);
        const a = projectQueueNames(queuePrefix, p1, u1);
        const b = projectQueueNames(queuePrefix, p2, u2);
        expect(a.input).not.toBe(b.input);
        expect(a.interrupt).not.toBe(b.interrupt);
        expect(a.deadLetter).not.toBe(b.deadLetter);
      }),
      { numRuns: 2000 },
    );
  });

  it('tell apart pairs that read alike, and stay readable', () => {
    const first = projectQueueNames('intake', 'acme-web', 'ann');
    const second = projectQueueNames('intake', 'acme', 'web-ann');
    expect(first.input).not.toBe(second.input);
    expect(first.input).toMatch(/^intake-input-acme-web-ann-[0-9a-f]{16}\.fifo$/);
    const longest = projectQueueNames('x'.repeat(24), 'p'.repeat(24), 'u'.repeat(24));
    expect(longest.interrupt).toHaveLength(MAX_QUEUE_NAME_LENGTH);
  });
});

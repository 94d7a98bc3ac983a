import { createHash } from 'node:crypto';
import * as z from './zod.ts';

/**
 * Project and user ids appear in queue names (80 characters at most, `.fifo` included) and in
 * mail addresses, so they are kept short, lower-case and free of dots.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,23}$/;

export const projectIdSchema = z
  .string()
  .check(z.regex(ID_PATTERN, 'must be 1-24 characters of a-z, 0-9 and "-", starting with a letter or digit'));
export const userIdSchema = projectIdSchema;

/** The key of the active-jobs item: one lease per project and user. */
export const leaseIdOf = (projectId: string, userId: string): string => `${projectId}#${userId}`;

/** Names of the per project-user queues; the workflow creates them on first use. */
export interface ProjectQueueNames {
  input: string;
  deadLetter: string;
  interrupt: string;
}

/** SQS's limit for a queue name, `.fifo` included. */
export const MAX_QUEUE_NAME_LENGTH = 80;
const QUEUE_KINDS = { input: 'input', deadLetter: 'dlq', interrupt: 'interrupt' } as const;
/** The kind of a per project-user queue, as its name spells it. */
export type QueueKind = (typeof QUEUE_KINDS)[keyof typeof QUEUE_KINDS];
const HASH_LENGTH = 16;
const LONGEST_KIND = Math.max(...Object.values(QUEUE_KINDS).map((kind) => kind.length));

/**
 * `<prefix>-<kind>-<project>-<user, shortened to fit>-<hash>.fifo`. The hash (64 bits of the SHA-256
 * of `project#user`) makes every pair's names distinct — `acme-web`/`ann` and `acme`/`web-ann` read
 * alike but hash apart — and the readable part is cut so that the longest name stays within 80
 * characters for any prefix of up to 24.
 */
export const projectQueueNames = (
  queuePrefix: string,
  projectId: string,
  userId: string,
): ProjectQueueNames => {
  const hash = createHash('sha256').update(leaseIdOf(projectId, userId)).digest('hex').slice(0, HASH_LENGTH);
  const budget = MAX_QUEUE_NAME_LENGTH - queuePrefix.length - LONGEST_KIND - HASH_LENGTH - '---.fifo'.length;
  const readable = `${projectId}-${userId}`.slice(0, Math.max(0, budget)).replace(/-+$/, '');
  const name = (kind: string) => `${queuePrefix}-${kind}-${readable ? `${readable}-` : ''}${hash}.fifo`;
  return {
    input: name(QUEUE_KINDS.input),
    deadLetter: name(QUEUE_KINDS.deadLetter),
    interrupt: name(QUEUE_KINDS.interrupt),
  };
};

/** The prefix a worker lists queues by to discover every project's input queue. */
export const inputQueueNamePrefix = (queuePrefix: string): string => `${queuePrefix}-input-`;

/**
 * The standard queue that announces each project-user's input queue as it is created, so a worker
 * polls it at once rather than after its next ListQueues (eventually consistent, and minutes apart).
 */
export const newInputQueueNoticesName = (queuePrefix: string): string => `${queuePrefix}-new-input-queues`;

import { z } from 'zod';

/**
 * Project and user ids appear in queue names (80 characters at most, `.fifo` included) and in
 * mail addresses, so they are kept short, lower-case and free of dots.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,23}$/;

export const projectIdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1-24 characters of a-z, 0-9 and "-", starting with a letter or digit');
export const userIdSchema = projectIdSchema;

/** The key of the active-jobs item: one slot per project and user. */
export const slotIdOf = (projectId: string, userId: string): string => `${projectId}#${userId}`;

/** Names of the per project-user queues; the workflow creates them on first use. */
export interface ProjectQueueNames {
  input: string;
  deadLetter: string;
  interrupt: string;
}

export const projectQueueNames = (
  queuePrefix: string,
  projectId: string,
  userId: string,
): ProjectQueueNames => ({
  input: `${queuePrefix}-input-${projectId}-${userId}.fifo`,
  deadLetter: `${queuePrefix}-dlq-${projectId}-${userId}.fifo`,
  interrupt: `${queuePrefix}-interrupt-${projectId}-${userId}.fifo`,
});

/** The prefix a worker lists queues by to discover every project's input queue. */
export const inputQueueNamePrefix = (queuePrefix: string): string => `${queuePrefix}-input-`;

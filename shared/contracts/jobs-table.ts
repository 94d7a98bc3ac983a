import { FINAL_OUTCOMES, type JobOutcome } from './tables.ts';

/**
 * The jobs table, the one place that knows its item: pk = projectId, sk = jobId; every email's
 * outcome written by the workflow, and the per-story results and checkpoint written by the worker.
 * The workflow's and the worker's adapters, their fakes, the CLI and the console go through it.
 */

/** The fields the workflow records about an email besides its outcome. */
export interface JobRecordFields {
  userId?: string;
  threadId?: string;
  messageId?: string;
  sender?: string;
  subject?: string;
  bucket?: string;
  emailKey?: string;
  executionArn?: string;
  reason?: string;
  detail?: string;
  error?: string;
  cause?: string;
  interruptedBy?: string;
  deadLetterMessageId?: string;
  droppedAttachments?: { filename: string; reason: string }[];
  attachmentCount?: number;
  summary?: unknown;
}

/** The fields the worker writes (their shapes are the worker's own ports). */
export interface JobWorkerFields {
  workerId?: string;
  workerStartedAt?: string;
  checkpoint?: unknown;
  stories?: unknown[];
  modelUsage?: {
    calls?: number;
    costUsd?: number;
    inputTokens?: number;
    outputTokens?: number;
    /** Calls the offline model answered (nothing billed). */
    offlineCalls?: number;
  };
  workerReport?: unknown;
  branch?: string;
  repositoryUrl?: string;
  pullRequest?: { number: number; url: string };
}

/** An item of the jobs table. */
export interface JobItem extends Omit<JobRecordFields, 'summary'>, JobWorkerFields {
  pk: string;
  sk: string;
  outcome?: JobOutcome;
  createdAt?: string;
  updatedAt?: string;
  /** Set once, with the first final outcome, and never removed: the mark of a final job. */
  finishedAt?: string;
  summary?: { stories?: unknown[]; commits?: unknown[] };
  commits?: unknown[];
}

export const jobKey = (projectId: string, jobId: string): { pk: string; sk: string } => ({
  pk: projectId,
  sk: jobId,
});

export const isFinalOutcome = (outcome: JobOutcome): boolean => FINAL_OUTCOMES.includes(outcome);

/**
 * A job is final once a final outcome has been recorded on it. `finishedAt` says so: it is written
 * with that first final outcome and never removed, whereas `outcome` is a plain attribute a later
 * write could change. The predicate the fakes evaluate and the condition the adapters send.
 */
export const FINAL_JOB = {
  holds: (item: Pick<JobItem, 'finishedAt'> | undefined): boolean => item?.finishedAt !== undefined,
  /** True of an item that is still open. */
  openExpression: 'attribute_not_exists(finishedAt)',
} as const;

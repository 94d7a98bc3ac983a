import * as z from './zod.ts';
import { jobSchema, jobSettingsSchema, pickupSchema, storedAttachmentSchema } from './messages.ts';

const nonEmpty = z.string().check(z.minLength(1));
const optionalString = z.optional(z.string());

/** The input of every execution: deterministic, so a duplicate start is recognised. */
export const executionInputSchema = z.object({
  bucket: nonEmpty,
  key: nonEmpty,
});
export type ExecutionInput = z.infer<typeof executionInputSchema>;

export const admissionSummarySchema = z.object({
  decision: z.enum(['accepted', 'rejected', 'ignored']),
  reason: optionalString,
  detail: optionalString,
  replySafe: z.boolean(),
});
export type AdmissionSummary = z.infer<typeof admissionSummarySchema>;

/** What ParseEmail keeps of an email in the state: small, with bodies in S3. */
export const emailSummarySchema = z.object({
  messageId: z.string(),
  threadId: z.string(),
  sender: optionalString,
  subject: z.string(),
  projectId: optionalString,
  userId: optionalString,
  instructionKey: optionalString,
  /** The address replies come from: the project address with the thread id as sub-address. */
  replyFrom: optionalString,
  attachments: z.array(storedAttachmentSchema),
  droppedAttachments: z.array(z.object({ filename: z.string(), reason: z.string() })),
  inReplyTo: optionalString,
  references: z.array(z.string()),
});
export type EmailSummary = z.infer<typeof emailSummarySchema>;

export const stateErrorSchema = z.object({ Error: z.string(), Cause: z.nullish(z.string()) });
export type StateError = z.infer<typeof stateErrorSchema>;

export const leaseHolderSchema = z.object({
  jobId: z.string(),
  interruptQueueUrl: z.string(),
  expiresAtIso: z.string(),
});
export type LeaseHolder = z.infer<typeof leaseHolderSchema>;

export const claimResultSchema = z.object({
  claimed: z.boolean(),
  holder: z.nullable(leaseHolderSchema),
  job: z.nullable(jobSchema),
  messageGroupId: z.nullable(z.string()),
  /**
   * The lease id (`project#user`) RunJob writes the run token to. Its name predates "lease" and stays:
   * the state of executions in flight carries it, and the ASL reads `$.claim.slotId`.
   */
  slotId: z.nullable(z.string()),
  queueWaitSeconds: z.nullable(z.int().check(z.positive())),
  heartbeatSeconds: z.nullable(z.int().check(z.positive())),
  timeoutSeconds: z.nullable(z.int().check(z.positive())),
});
export type ClaimResult = z.infer<typeof claimResultSchema>;

/** A claim that got nothing: the base of a busy answer (with its holder) and of a woken waiter's. */
export const NOT_CLAIMED: ClaimResult = {
  claimed: false,
  holder: null,
  job: null,
  messageGroupId: null,
  slotId: null,
  queueWaitSeconds: null,
  heartbeatSeconds: null,
  timeoutSeconds: null,
};

/** The state that flows through the email-processor workflow after ParseEmail. */
export const workflowStateSchema = z.object({
  jobId: nonEmpty,
  executionArn: nonEmpty,
  bucket: nonEmpty,
  key: nonEmpty,
  admission: z.optional(admissionSummarySchema),
  email: z.optional(emailSummarySchema),
  /** The project's settings when the email was admitted; the job carries them to the worker. */
  settings: z.optional(jobSettingsSchema),
  claim: z.optional(claimResultSchema),
  /** Set when a worker answered the queue token: the job left the queue. */
  pickup: z.optional(pickupSchema),
  error: z.optional(stateErrorSchema),
  /** Set by DeadLetterJob when it put a timed-out job on the project's dead-letter queue. */
  deadLetter: z.optional(z.object({ messageId: z.string() })),
  /** Set by DeadLetterJob when that send failed after its retries. */
  deadLetterError: z.optional(stateErrorSchema),
  result: z.optional(z.unknown()),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

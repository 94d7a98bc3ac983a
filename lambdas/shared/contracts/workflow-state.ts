import { z } from 'zod';
import { jobSchema, jobSettingsSchema, pickupSchema, storedAttachmentSchema } from './messages.ts';

/** The input of every execution: deterministic, so a duplicate start is recognised. */
export const executionInputSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
});
export type ExecutionInput = z.infer<typeof executionInputSchema>;

export const admissionSummarySchema = z.object({
  decision: z.enum(['accepted', 'rejected', 'ignored']),
  reason: z.string().optional(),
  detail: z.string().optional(),
  replySafe: z.boolean(),
});
export type AdmissionSummary = z.infer<typeof admissionSummarySchema>;

/** What ParseEmail keeps of an email in the state: small, with bodies in S3. */
export const emailSummarySchema = z.object({
  messageId: z.string(),
  threadId: z.string(),
  sender: z.string().optional(),
  subject: z.string(),
  projectId: z.string().optional(),
  userId: z.string().optional(),
  instructionKey: z.string().optional(),
  /** The address replies come from: the project address with the thread id as sub-address. */
  replyFrom: z.string().optional(),
  attachments: z.array(storedAttachmentSchema),
  droppedAttachments: z.array(z.object({ filename: z.string(), reason: z.string() })),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()),
});
export type EmailSummary = z.infer<typeof emailSummarySchema>;

export const stateErrorSchema = z.object({ Error: z.string(), Cause: z.string().nullish() });
export type StateError = z.infer<typeof stateErrorSchema>;

export const slotHolderSchema = z.object({
  jobId: z.string(),
  interruptQueueUrl: z.string(),
  expiresAtIso: z.string(),
});
export type SlotHolder = z.infer<typeof slotHolderSchema>;

export const claimResultSchema = z.object({
  claimed: z.boolean(),
  holder: slotHolderSchema.nullable(),
  job: jobSchema.nullable(),
  messageGroupId: z.string().nullable(),
  /** The active-jobs key (`project#user`) RunJob writes the run token to. */
  slotId: z.string().nullable(),
  queueWaitSeconds: z.number().int().positive().nullable(),
  heartbeatSeconds: z.number().int().positive().nullable(),
  timeoutSeconds: z.number().int().positive().nullable(),
});
export type ClaimResult = z.infer<typeof claimResultSchema>;

/** The state that flows through the email-processor workflow after ParseEmail. */
export const workflowStateSchema = z.object({
  jobId: z.string().min(1),
  executionArn: z.string().min(1),
  bucket: z.string().min(1),
  key: z.string().min(1),
  admission: admissionSummarySchema.optional(),
  email: emailSummarySchema.optional(),
  /** The project's settings when the email was admitted; the job carries them to the worker. */
  settings: jobSettingsSchema.optional(),
  claim: claimResultSchema.optional(),
  /** Set when a worker answered the queue token: the job left the queue. */
  pickup: pickupSchema.optional(),
  error: stateErrorSchema.optional(),
  result: z.unknown().optional(),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

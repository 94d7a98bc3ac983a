import type { Clock } from '../contracts/clock.ts';
import type { StoredAttachment } from '../contracts/messages.ts';
import { UNROUTED_PROJECT } from '../contracts/tables.ts';
import type { AdmissionSummary, EmailSummary, WorkflowState } from '../contracts/workflow-state.ts';
import { admitEmail, type Admission } from '../domain/admission.ts';
import type { InboundEmail } from '../domain/inbound-email.ts';
import { parseEmail, type ParseResult } from '../domain/parse-email.ts';
import { jobSettingsOf, type Project } from '../domain/project-config.ts';
import type { ProjectRegistry } from '../domain/project-registry.ts';
import { replyAddressFor } from '../domain/project-address.ts';
import { isAutomatedAddress } from '../domain/auto-reply.ts';
import { takeAdmission } from './admission-windows.ts';
import { BlobTooLargeError, type AdmissionWindows, type BlobStore, type JobRecords } from './ports.ts';
import { MAX_STORED_EMAIL_BYTES } from './start-email-execution.ts';

export interface IngestEmailInput {
  bucket: string;
  key: string;
  jobId: string;
  executionArn: string;
}

export interface IngestEmailDeps {
  blobs: BlobStore;
  projects: ProjectRegistry;
  jobs: JobRecords;
  windows: AdmissionWindows;
  mailDomain: string;
  clock: Clock;
}

/** S3 keys the parse step writes; the raw email itself stays where SES stored it. */
export const instructionKeyFor = (jobId: string): string => `instructions/${jobId}.txt`;
export const attachmentKeyFor = (jobId: string, index: number, filename: string): string =>
  `attachments/${jobId}/${index}-${filename}`;
/** Where the full list of dropped attachments goes when it is too long for the state. */
export const droppedListKeyFor = (jobId: string): string => `attachments/${jobId}/dropped.json`;

/**
 * The state and the job record carry at most this many dropped-attachment notes; a longer list (an
 * email with 990 attachments) goes to S3, so no payload nears Step Functions' 256 KiB.
 */
export const MAX_DROPPED_IN_STATE = 20;

/** Reads the stored email, at most SES's 40 MB of it, and parses it; a larger object is `too-large`. */
async function parseStoredEmail(input: IngestEmailInput, deps: IngestEmailDeps): Promise<ParseResult> {
  try {
    const raw = await deps.blobs.get(input.bucket, input.key, MAX_STORED_EMAIL_BYTES);
    return await parseEmail(raw, { domain: deps.mailDomain });
  } catch (error) {
    if (!(error instanceof BlobTooLargeError)) throw error;
    return { ok: false, reason: 'too-large', detail: error.message };
  }
}

/**
 * ParseEmail: reads the raw email, parses and admits it, stores the instruction and the kept
 * attachments next to it in S3 (the state carries keys, never bodies) and records it as received.
 */
export async function ingestEmail(input: IngestEmailInput, deps: IngestEmailDeps): Promise<WorkflowState> {
  const parsed = await parseStoredEmail(input, deps);
  // Admission looks the recipients' projects up; the accepted one's settings come from the same read.
  const lookups = new Map<string, Promise<Project | undefined>>();
  const registry = {
    get: (projectId: string) => {
      const pending = lookups.get(projectId) ?? deps.projects.get(projectId);
      lookups.set(projectId, pending);
      return pending;
    },
  };
  const admission = await admitEmail(parsed, { domain: deps.mailDomain, registry });
  const base = { jobId: input.jobId, executionArn: input.executionArn, bucket: input.bucket, key: input.key };
  if (!parsed.ok) {
    const summary = admissionSummaryOf(admission);
    await deps.jobs.record(
      UNROUTED_PROJECT,
      input.jobId,
      'received',
      recordFields(input, undefined),
      deps.clock.now(),
    );
    return { ...base, admission: summary };
  }
  const email = parsed.email;
  const summary: EmailSummary = {
    messageId: email.messageId,
    threadId: email.threadId,
    sender: email.from,
    subject: email.subject,
    attachments: [],
    droppedAttachments: [],
    inReplyTo: email.inReplyTo,
    references: email.references,
  };
  if (admission.decision !== 'accepted') {
    if (admission.decision === 'rejected' && admission.projectId && admission.userId) {
      summary.projectId = admission.projectId;
      summary.userId = admission.userId;
    }
    await deps.jobs.record(
      summary.projectId ?? UNROUTED_PROJECT,
      input.jobId,
      'received',
      recordFields(input, email),
      deps.clock.now(),
    );
    return { ...base, admission: admissionSummaryOf(admission), email: summary };
  }

  const project = await registry.get(admission.projectId);
  if (!project) throw new Error(`Project ${admission.projectId} was admitted but could not be read`);
  const sender = email.from ?? '';
  const rate = await takeAdmission(
    {
      projectId: admission.projectId,
      sender,
      jobId: input.jobId,
      limits: project.settings.rateLimits,
      now: deps.clock.now(),
    },
    deps.windows,
  );
  if (!rate.admitted) {
    const routed = { ...summary, projectId: admission.projectId, userId: admission.userId };
    await deps.jobs.record(
      admission.projectId,
      input.jobId,
      'received',
      { ...recordFields(input, email), userId: admission.userId },
      deps.clock.now(),
    );
    const limited: AdmissionSummary = {
      decision: 'rejected',
      reason: 'rate-limited',
      detail: `${rate.detail ?? 'over the rate limit'}; the email is kept and can be replayed`,
      replySafe: rate.replyAllowed && !isAutomatedAddress(sender),
    };
    return { ...base, admission: limited, email: routed };
  }
  // The stored parts and the job record are independent idempotent writes: made at once, and all
  // made again if any fails and the step is retried.
  const instructionKey = instructionKeyFor(input.jobId);
  const kept = admission.attachments.flatMap((entry) => {
    const attachment = email.attachments[entry.index];
    return attachment
      ? [
          {
            ...entry,
            content: attachment.content,
            key: attachmentKeyFor(input.jobId, entry.index, entry.filename),
          },
        ]
      : [];
  });
  const attachments: StoredAttachment[] = kept.map(({ key, filename, contentType, size, sha256 }) => ({
    key,
    filename,
    contentType,
    size,
    sha256,
  }));
  const droppedAttachments = droppedForState(input, admission);
  const accepted: EmailSummary = {
    ...summary,
    projectId: admission.projectId,
    userId: admission.userId,
    instructionKey,
    replyFrom: replyAddressFor(admission.projectId, admission.userId, email.threadId, deps.mailDomain),
    attachments,
    droppedAttachments: droppedAttachments.inState,
  };
  await Promise.all([
    deps.blobs.put(input.bucket, instructionKey, email.instruction, 'text/plain; charset=utf-8'),
    ...kept.map((entry) => deps.blobs.put(input.bucket, entry.key, entry.content, entry.contentType)),
    ...(droppedAttachments.fullList
      ? [
          deps.blobs.put(
            input.bucket,
            droppedListKeyFor(input.jobId),
            droppedAttachments.fullList,
            'application/json',
          ),
        ]
      : []),
    deps.jobs.record(
      admission.projectId,
      input.jobId,
      'received',
      {
        ...recordFields(input, email),
        userId: admission.userId,
        attachmentCount: attachments.length,
        droppedAttachments: accepted.droppedAttachments,
      },
      deps.clock.now(),
    ),
  ]);
  return {
    ...base,
    admission: admissionSummaryOf(admission),
    email: accepted,
    settings: jobSettingsOf(project),
  };
}

/**
 * The dropped-attachment notes, bounded: past `MAX_DROPPED_IN_STATE`, one line points to the full
 * list, which the caller stores in S3.
 */
function droppedForState(
  input: IngestEmailInput,
  admission: Extract<Admission, { decision: 'accepted' }>,
): { inState: EmailSummary['droppedAttachments']; fullList?: string } {
  const all = admission.dropped.map((dropped, index) => ({
    filename: dropped.filename,
    reason: admission.notes[index] ?? dropped.reason,
  }));
  if (all.length <= MAX_DROPPED_IN_STATE) return { inState: all };
  const key = droppedListKeyFor(input.jobId);
  const rest = all.length - (MAX_DROPPED_IN_STATE - 1);
  return {
    inState: [
      ...all.slice(0, MAX_DROPPED_IN_STATE - 1),
      {
        filename: `${rest} more attachments`,
        reason: `also dropped; the full list is at s3://${input.bucket}/${key}`,
      },
    ],
    fullList: JSON.stringify(all),
  };
}

function admissionSummaryOf(admission: Admission): AdmissionSummary {
  switch (admission.decision) {
    case 'accepted':
      return { decision: 'accepted', replySafe: true };
    case 'rejected':
      return {
        decision: 'rejected',
        reason: admission.reason,
        detail: admission.detail,
        replySafe: admission.replySafe,
      };
    case 'ignored':
      return { decision: 'ignored', reason: admission.reason, detail: admission.detail, replySafe: false };
  }
}

function recordFields(input: IngestEmailInput, email: InboundEmail | undefined) {
  return {
    bucket: input.bucket,
    emailKey: input.key,
    executionArn: input.executionArn,
    messageId: email?.messageId,
    threadId: email?.threadId,
    sender: email?.from,
    subject: email?.subject,
  };
}

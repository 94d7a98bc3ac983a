import { createHash } from 'node:crypto';
import type { ExecutionInput } from '../contracts/workflow-state.ts';
import { storedEmailIdentity, type StoredEmailIdentity } from '../domain/message-id.ts';
import { BlobTooLargeError, type BlobStore, type ExecutionStarter, type StartOutcome } from './ports.ts';

/** SES stores mail of up to 40 MB; no stored email larger than this is read into memory. */
export const MAX_STORED_EMAIL_BYTES = 40 * 1024 * 1024;

/** Where SES (and the local SMTP server) store raw mail; only these objects start executions. */
export const EMAIL_PREFIX = 'emails/';

export interface S3ObjectRef {
  bucket: string;
  key: string;
}

interface S3EventLike {
  Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
}

/** S3 event keys arrive URL-encoded, with spaces as `+`. */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, ' '));

/** SES writes this object when a receipt rule's S3 action is created: it is not an email. */
export const SES_SETUP_NOTIFICATION_KEY = `${EMAIL_PREFIX}AMAZON_SES_SETUP_NOTIFICATION`;

/** The created objects under `emails/` in an S3 event notification. */
export function emailObjectsIn(event: S3EventLike): S3ObjectRef[] {
  return (event.Records ?? []).flatMap((record) => {
    const bucket = record.s3?.bucket?.name;
    const rawKey = record.s3?.object?.key;
    if (!bucket || !rawKey || !record.eventName?.startsWith('ObjectCreated')) return [];
    const key = decodeS3Key(rawKey);
    const isEmail = key.startsWith(EMAIL_PREFIX) && key.length > EMAIL_PREFIX.length;
    return isEmail && key !== SES_SETUP_NOTIFICATION_KEY ? [{ bucket, key }] : [];
  });
}

/**
 * The execution (and job) name for a stored email: derived from its message id and the fingerprint
 * of what was stored (`storedEmailIdentity`), so a duplicate S3 event or a second delivery of the
 * same message maps to the same execution, while another email that reuses the Message-ID (a
 * squatter's, sent first) gets its own execution and outcome and cannot make this one vanish.
 * 1-80 chars of [0-9a-z-].
 */
export const executionNameFor = (identity: StoredEmailIdentity): string =>
  `email-${createHash('sha256')
    .update(`${identity.messageId.trim().toLowerCase()}\n${identity.fingerprint}`, 'utf8')
    .digest('hex')
    .slice(0, 40)}`;

/** The execution name of a stored email's raw bytes. */
export const executionNameOf = (raw: Uint8Array): string => executionNameFor(storedEmailIdentity(raw));

export interface StartEmailExecutionDeps {
  blobs: BlobStore;
  starter: ExecutionStarter;
  /** Reads the message id (derived from the content when missing) and the stored email's fingerprint. */
  identityOf: (raw: Uint8Array) => StoredEmailIdentity;
}

export type StartedEmail = StartOutcome & { name: string; messageId: string; object: S3ObjectRef };

/**
 * An object over the SES limit (only a hostile S3 client can store one) is named by its key and size
 * without being read, so it still gets an execution and, at ParseEmail, a `too-large` outcome.
 */
async function identityOfStored(
  object: S3ObjectRef,
  deps: StartEmailExecutionDeps,
): Promise<StoredEmailIdentity> {
  try {
    return deps.identityOf(await deps.blobs.get(object.bucket, object.key, MAX_STORED_EMAIL_BYTES));
  } catch (error) {
    if (!(error instanceof BlobTooLargeError)) throw error;
    return { messageId: `too-large:${object.key}`, fingerprint: `${object.key}\n${error.bytes}` };
  }
}

/** Starts the email-processor execution for one stored email; a repeat starts nothing new. */
export async function startEmailExecution(
  object: S3ObjectRef,
  deps: StartEmailExecutionDeps,
): Promise<StartedEmail> {
  const identity = await identityOfStored(object, deps);
  const messageId = identity.messageId;
  const name = executionNameFor(identity);
  // Deterministic input (no timestamps): the same event again is recognised as the same execution.
  const input: ExecutionInput = { bucket: object.bucket, key: object.key };
  const outcome = await deps.starter.start(name, JSON.stringify(input));
  return { ...outcome, name, messageId, object };
}

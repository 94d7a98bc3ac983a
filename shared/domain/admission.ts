import { alignedCheck } from './alignment.ts';
import { isAutomatedAddress, isBounce } from './auto-reply.ts';
import type { InboundAttachment, SesVerdicts } from './inbound-email.ts';
import type { ParseResult } from './parse-email.ts';
import { isSenderAllowed, type Limits, type Project } from './project-config.ts';
import type { ProjectRegistry } from './project-registry.ts';
import { projectAddressOf, routeRecipients } from './routing.ts';

export type RejectionReason =
  | 'unparseable'
  | 'malformed'
  | 'virus'
  | 'spam'
  | 'failed-authentication'
  | 'no-project-address'
  | 'unknown-project'
  | 'unauthorised-sender'
  | 'too-large'
  | 'empty'
  | 'rate-limited';

export interface AttachmentSummary {
  /** Position in `InboundEmail.attachments`. */
  index: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface DroppedAttachment extends AttachmentSummary {
  reason: 'too-large' | 'too-many' | 'total-too-large';
}

export interface Accepted {
  decision: 'accepted';
  projectId: string;
  userId: string;
  /** The project address the mail was routed by. */
  address: string;
  /** Attachments kept for the job. */
  attachments: AttachmentSummary[];
  dropped: DroppedAttachment[];
  /** One line per dropped attachment, for the record and the reply to the sender. */
  notes: string[];
}

export interface Rejected {
  decision: 'rejected';
  reason: RejectionReason;
  detail: string;
  /** Whether answering the From address is safe: never when it may be forged. */
  replySafe: boolean;
  projectId?: string;
  userId?: string;
}

export interface Ignored {
  decision: 'ignored';
  reason: 'auto-reply' | 'bounce';
  detail: string;
}

export type Admission = Accepted | Rejected | Ignored;

export interface AdmissionContext {
  /** The domain project addresses live on, e.g. `intake.example.com`. */
  domain: string;
  /** The project with this id, already looked up; undefined when it is not registered. */
  projectOf: (projectId: string) => Project | undefined;
}

/** Looks up the projects the recipients name, then decides with `decideAdmission`. */
export async function admitEmail(
  parse: ParseResult,
  context: { domain: string; registry: Pick<ProjectRegistry, 'get'> },
): Promise<Admission> {
  const projects = new Map<string, Project>();
  if (parse.ok) {
    const ids = new Set(
      parse.email.recipients.flatMap((r) => projectAddressOf(r, context.domain)?.projectId ?? []),
    );
    for (const id of ids) {
      const project = await context.registry.get(id);
      if (project) projects.set(id, project);
    }
  }
  return decideAdmission(parse, { domain: context.domain, projectOf: (id) => projects.get(id) });
}

/**
 * Decides what happens to an inbound email: exactly one outcome with a stable reason. The checks run
 * in this order, the first that applies wins:
 *
 * 1. `unparseable`.
 * 2. Auto-replies and bounces are `ignored`, before anything that could answer them: no mail loops.
 *    Then `malformed` when From names no mailbox or several (two fields, or a mailbox list).
 * 3. `virus` (SES virus verdict FAIL, GRAY or PROCESSING_FAILED: an unscanned attachment is not trusted),
 *    `spam` (spam verdict FAIL).
 * 4. `failed-authentication`: DMARC FAIL, or no passing check aligned with the From domain (DMARC
 *    style, relaxed: same organisational domain): SPF passing for the envelope domain, a passing DKIM
 *    signature's `d=`, or DMARC pass. One is enough, as forwarders break SPF and mailing lists break
 *    DKIM; an SPF pass for `bad.com` says nothing about `From: scott@example.com`, and without an
 *    aligned pass the From is anyone's to write. Missing SES headers count as not passing.
 * 5. Routing by the envelope recipients SES recorded (never To/Cc): `no-project-address` or
 *    `unknown-project`; then `unauthorised-sender` (bare From address
 *    against the project's allowed senders).
 * 6. `too-large`: the whole message over `limits.maxEmailBytes`, or an instruction over
 *    `maxInstructionChars` or with a line over `maxLineChars` (refused here, not in the worker).
 * 7. Attachments over `maxAttachmentBytes`, past `maxAttachments`, or past `maxTotalAttachmentBytes`
 *    are dropped with a note; the email is still accepted.
 * 8. `empty`: no instruction text (after quoted history and signature are removed) and no kept
 *    attachment.
 *
 * Rejections are `replySafe` only once the sender is authenticated and aligned, and never to a
 * machine's address (postmaster, mailer-daemon, no-reply, with any `+tag`): anything else would be
 * backscatter. Never for malformed, virus, spam or failed authentication, whose From may be forged.
 */
export function decideAdmission(parse: ParseResult, context: AdmissionContext): Admission {
  if (!parse.ok) return reject(parse.reason, parse.detail, false);
  const email = parse.email;
  if (email.autoReply) {
    const reason = isBounce(email.autoReply) ? 'bounce' : 'auto-reply';
    return { decision: 'ignored', reason, detail: `${reason} (${email.autoReply})` };
  }
  if (email.fromCount !== 1 || email.from === undefined) {
    const detail =
      email.fromCount > 1
        ? `From names ${email.fromCount} mailboxes; exactly one is allowed`
        : 'no From address';
    return reject('malformed', detail, false);
  }
  const { virus, spam } = email.verdicts;
  if (virus === 'FAIL' || virus === 'GRAY' || virus === 'PROCESSING_FAILED') {
    return reject('virus', `SES virus verdict ${virus}`, false);
  }
  if (spam === 'FAIL') return reject('spam', 'SES spam verdict FAIL', false);
  const from = email.from;
  if (!isAuthenticated(email.verdicts) || alignedCheck(from, email.passing) === undefined) {
    const { spf, dkim, dmarc } = email.verdicts;
    const passing = email.passing;
    const vouched = [
      passing.spf && `spf=pass for ${passing.spf}`,
      ...passing.dkim.map((domain) => `dkim=pass for ${domain}`),
      passing.dmarc && `dmarc=pass for ${passing.dmarc}`,
    ].filter(Boolean);
    const detail = isAuthenticated(email.verdicts)
      ? `no passing check aligns with the From domain (${vouched.join(', ')})`
      : `spf=${spf} dkim=${dkim} dmarc=${dmarc}`;
    return reject('failed-authentication', detail, false);
  }
  const replySafe = !isAutomatedAddress(from);

  const route = routeRecipients(email.recipients, context.domain, (projectId, userId) =>
    Boolean(context.projectOf(projectId)?.users.includes(userId)),
  );
  if (!route.ok) return reject(route.reason, route.detail, replySafe);
  const project = context.projectOf(route.projectId);
  const at = { projectId: route.projectId, userId: route.userId };
  if (!project || !isSenderAllowed(project, from)) {
    return { ...reject('unauthorised-sender', `${from} may not send to ${route.address}`, replySafe), ...at };
  }

  const limits = project.settings.limits;
  if (email.size > limits.maxEmailBytes) {
    const detail = `the message is ${formatBytes(email.size)}; the limit is ${formatBytes(limits.maxEmailBytes)}`;
    return { ...reject('too-large', detail, replySafe), ...at };
  }
  const tooLong = instructionTooLong(email.instruction, limits);
  if (tooLong) return { ...reject('too-large', tooLong, replySafe), ...at };
  const { kept, dropped } = selectAttachments(email.attachments, limits);
  if (email.instruction.trim() === '' && kept.length === 0) {
    const detail = ['no instruction text and no attachment', ...email.warnings].join('; ');
    return { ...reject('empty', detail, replySafe), ...at };
  }
  return {
    decision: 'accepted',
    ...at,
    address: route.address,
    attachments: kept,
    dropped,
    notes: dropped.map((attachment) => noteFor(attachment, limits)),
  };
}

/** SPF or DKIM passed and DMARC did not fail. */
export function isAuthenticated(verdicts: SesVerdicts): boolean {
  return (verdicts.spf === 'PASS' || verdicts.dkim === 'PASS') && verdicts.dmarc !== 'FAIL';
}

function instructionTooLong(instruction: string, limits: Limits): string | undefined {
  if (instruction.length > limits.maxInstructionChars) {
    return `the instruction is ${instruction.length} characters; the limit is ${limits.maxInstructionChars}`;
  }
  const longest = instruction.split('\n').reduce((max, line) => Math.max(max, line.length), 0);
  if (longest > limits.maxLineChars) {
    return `the instruction has a line of ${longest} characters; the limit is ${limits.maxLineChars}`;
  }
  return undefined;
}

/** Applies the attachment limits in message order; what does not fit is dropped, never the email. */
export function selectAttachments(
  attachments: readonly InboundAttachment[],
  limits: Limits,
): { kept: AttachmentSummary[]; dropped: DroppedAttachment[] } {
  const kept: AttachmentSummary[] = [];
  const dropped: DroppedAttachment[] = [];
  let total = 0;
  attachments.forEach((attachment, index) => {
    const summary = { index, ...pick(attachment) };
    if (kept.length >= limits.maxAttachments) dropped.push({ ...summary, reason: 'too-many' });
    else if (attachment.size > limits.maxAttachmentBytes) dropped.push({ ...summary, reason: 'too-large' });
    else if (total + attachment.size > limits.maxTotalAttachmentBytes) {
      dropped.push({ ...summary, reason: 'total-too-large' });
    } else {
      kept.push(summary);
      total += attachment.size;
    }
  });
  return { kept, dropped };
}

function pick({ filename, contentType, size, sha256 }: InboundAttachment): Omit<AttachmentSummary, 'index'> {
  return { filename, contentType, size, sha256 };
}

function reject(reason: RejectionReason, detail: string, replySafe: boolean): Rejected {
  return { decision: 'rejected', reason, detail, replySafe };
}

function noteFor(attachment: DroppedAttachment, limits: Limits): string {
  const name = `"${attachment.filename}" (${formatBytes(attachment.size)})`;
  switch (attachment.reason) {
    case 'too-many':
      return `${name} was dropped: only ${limits.maxAttachments} attachments are kept`;
    case 'too-large':
      return `${name} was dropped: larger than the ${formatBytes(limits.maxAttachmentBytes)} limit per attachment`;
    case 'total-too-large':
      return `${name} was dropped: attachments may total ${formatBytes(limits.maxTotalAttachmentBytes)}`;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

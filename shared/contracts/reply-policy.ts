import { JOB_ERRORS } from './messages.ts';

/**
 * Who answers the sender of an email, when, and with what. Every step that could write to the sender
 * asks {@link replyFor} about the event it sees and replies only when the answer names it, so an
 * email gets one final reply from exactly one place (or none, for a stated reason), whichever side
 * sees the outcome first. The worker, `finish-job` and `handle-timeout` use it; the intake Lambda,
 * `record-interruption` and `record-execution-end` never reply.
 *
 * The texts live with their senders (the worker's reply-text.ts and delivery-text.ts, the Lambdas'
 * notifications.ts); this module decides only which kind of reply each event owes.
 */
export type Replier = 'worker' | 'finish-job' | 'handle-timeout';

/** What each replier sends. The texts say the rest; these name the occasion. */
export interface RepliesOf {
  worker:
    | 'acknowledgement' // once the plan is known: the plan, the branch, the pull request, "reply to change course"
    | 'done' // the pull request, each story's commit and validation
    | 'failed'; // why its job failed, and that committed stories stay on the branch
  'finish-job':
    | 'rejected' // the admission's reason, where replying is safe
    | 'interrupted' // a newer email for the same project and user stopped this job
    | 'slot-unavailable' // the lease stayed busy after the interrupt
    | 'failed'; // a workflow step, not the worker, failed after the email was admitted
  'handle-timeout': 'timed-out'; // no worker picked the job up, or it went quiet or ran too long
}
export type ReplyKind = RepliesOf[Replier];

/** What a step saw happen to an email. */
export type JobEvent =
  /** The intake Lambda stored nothing but an execution start. */
  | { kind: 'email-stored' }
  /** finish-job (`not-accepted`): ParseEmail's admission said no. */
  | { kind: 'not-accepted'; decision?: 'accepted' | 'rejected' | 'ignored'; replySafe: boolean }
  /** Worker: the plan of the job is known (`resumed`: an earlier run already acknowledged it). */
  | { kind: 'planned'; resumed: boolean }
  /** Worker: its report reached the workflow (the callback was accepted). */
  | { kind: 'worker-reported'; outcome: 'succeeded' | 'failed' | 'interrupted' }
  /** Worker: it stopped without a report the workflow accepted. */
  | { kind: 'worker-stopped'; why: 'task-gone' | 'shutdown' | 'duplicate' | 'held-elsewhere' }
  /** finish-job: the workflow ends the job (`error`: the state's error name, if any). */
  | {
      kind: 'job-ended';
      outcome: 'succeeded' | 'interrupted' | 'slot-unavailable' | 'failed';
      error?: string;
      admitted: boolean;
    }
  /** handle-timeout. */
  | { kind: 'timed-out' }
  /** record-execution-end: the execution stopped, timed out or failed before a Record step. */
  | { kind: 'execution-ended' }
  /** record-interruption: an interrupt was sent to the running job (its own end answers). */
  | { kind: 'interrupt-recorded' };

export type ReplyDecision =
  | { [R in Replier]: { replier: R; reply: RepliesOf[R] } }[Replier]
  /** No reply, and why none is owed or who else gives it. */
  | { replier: null; why: string };

const by = <R extends Replier>(replier: R, reply: RepliesOf[R]): ReplyDecision =>
  ({ replier, reply }) as ReplyDecision;
const none = (why: string): ReplyDecision => ({ replier: null, why });

export function replyFor(event: JobEvent): ReplyDecision {
  switch (event.kind) {
    case 'email-stored':
      return none('the step that decides the outcome answers');
    case 'not-accepted':
      if (event.decision === 'ignored') return none('auto-replies and bounces are never answered (no loops)');
      if (event.decision !== 'rejected') return none('the admission rejected nothing');
      if (!event.replySafe) return none('the sender is not verified: a reply would be backscatter');
      return by('finish-job', 'rejected');
    case 'planned':
      return event.resumed ? none('the first run acknowledged it') : by('worker', 'acknowledgement');
    case 'worker-reported':
      // The workflow releases an interrupted job and says why; the worker speaks for its own work.
      return event.outcome === 'interrupted'
        ? by('finish-job', 'interrupted')
        : by('worker', event.outcome === 'succeeded' ? 'done' : 'failed');
    case 'worker-stopped':
      return none('the workflow ended the job, or another run will report it');
    case 'job-ended':
      switch (event.outcome) {
        case 'succeeded':
          return by('worker', 'done');
        case 'interrupted':
          return by('finish-job', 'interrupted');
        case 'slot-unavailable':
          return by('finish-job', 'slot-unavailable');
        case 'failed':
          if (event.error === JOB_ERRORS.failed) return by('worker', 'failed');
          if (!event.admitted) return none('the email was never admitted: its sender is not verified');
          return by('finish-job', 'failed');
      }
      break;
    case 'timed-out':
      return by('handle-timeout', 'timed-out');
    case 'execution-ended':
      return none('stopped or failed outside the workflow; recorded for a person, not the sender');
    case 'interrupt-recorded':
      return none("the interrupted job's end answers");
  }
}

/** The kind of reply `replier` sends for `event`, or undefined when another step (or nobody) does. */
export const replyBy = <R extends Replier>(replier: R, event: JobEvent): RepliesOf[R] | undefined => {
  const decision = replyFor(event);
  return decision.replier === replier ? (decision.reply as RepliesOf[R]) : undefined;
};

import { describe, expect, it } from 'vitest';
import { JOB_ERRORS } from '#contracts/messages.ts';
import { replyFor, type JobEvent, type Replier, type ReplyKind } from '#contracts/reply-policy.ts';

type Expected = readonly [Replier, ReplyKind] | null;

/** Every event a step can see, with who answers it. */
const TABLE: readonly (readonly [string, JobEvent, Expected])[] = [
  ['intake stored an email', { kind: 'email-stored' }, null],
  [
    'rejected, safe to answer',
    { kind: 'not-accepted', decision: 'rejected', replySafe: true },
    ['finish-job', 'rejected'],
  ],
  ['rejected, unverified sender', { kind: 'not-accepted', decision: 'rejected', replySafe: false }, null],
  ['ignored (auto-reply, bounce)', { kind: 'not-accepted', decision: 'ignored', replySafe: true }, null],
  ['not accepted, no admission', { kind: 'not-accepted', replySafe: true }, null],
  ['not accepted, admission accepted', { kind: 'not-accepted', decision: 'accepted', replySafe: true }, null],
  ['planned', { kind: 'planned', resumed: false }, ['worker', 'acknowledgement']],
  ['planned again on resume', { kind: 'planned', resumed: true }, null],
  ['worker reported success', { kind: 'worker-reported', outcome: 'succeeded' }, ['worker', 'done']],
  ['worker reported failure', { kind: 'worker-reported', outcome: 'failed' }, ['worker', 'failed']],
  [
    'worker reported interruption',
    { kind: 'worker-reported', outcome: 'interrupted' },
    ['finish-job', 'interrupted'],
  ],
  ['worker: task gone', { kind: 'worker-stopped', why: 'task-gone' }, null],
  ['worker: shutdown hand-over', { kind: 'worker-stopped', why: 'shutdown' }, null],
  ['worker: duplicate message', { kind: 'worker-stopped', why: 'duplicate' }, null],
  ['worker: held elsewhere', { kind: 'worker-stopped', why: 'held-elsewhere' }, null],
  ['job ended: succeeded', { kind: 'job-ended', outcome: 'succeeded', admitted: true }, ['worker', 'done']],
  [
    'job ended: interrupted',
    { kind: 'job-ended', outcome: 'interrupted', admitted: true },
    ['finish-job', 'interrupted'],
  ],
  [
    'job ended: lease unavailable',
    { kind: 'job-ended', outcome: 'slot-unavailable', admitted: true },
    ['finish-job', 'slot-unavailable'],
  ],
  [
    'job ended: Job.Failed',
    { kind: 'job-ended', outcome: 'failed', error: JOB_ERRORS.failed, admitted: true },
    ['worker', 'failed'],
  ],
  [
    'job ended: a step failed',
    { kind: 'job-ended', outcome: 'failed', error: 'States.TaskFailed', admitted: true },
    ['finish-job', 'failed'],
  ],
  [
    'job ended: failed before admission',
    { kind: 'job-ended', outcome: 'failed', error: 'States.TaskFailed', admitted: false },
    null,
  ],
  ['timed out', { kind: 'timed-out' }, ['handle-timeout', 'timed-out']],
  ['execution ended outside the workflow', { kind: 'execution-ended' }, null],
  ['interrupt recorded', { kind: 'interrupt-recorded' }, null],
];

/**
 * One email's journey: the events each side sees, in order, and whether a final reply is owed.
 * Every path of the workflow (statemachines/email-processor.asl.json) and of the worker's run-job.
 */
const JOURNEYS: readonly (readonly [string, readonly JobEvent[], { owed: boolean; ack: boolean }])[] = [
  [
    'rejected, safe',
    [{ kind: 'email-stored' }, { kind: 'not-accepted', decision: 'rejected', replySafe: true }],
    { owed: true, ack: false },
  ],
  [
    'rejected, unverified',
    [{ kind: 'email-stored' }, { kind: 'not-accepted', decision: 'rejected', replySafe: false }],
    { owed: false, ack: false },
  ],
  [
    'auto-reply',
    [{ kind: 'email-stored' }, { kind: 'not-accepted', decision: 'ignored', replySafe: false }],
    { owed: false, ack: false },
  ],
  [
    'done',
    [
      { kind: 'email-stored' },
      { kind: 'planned', resumed: false },
      { kind: 'worker-reported', outcome: 'succeeded' },
      { kind: 'job-ended', outcome: 'succeeded', admitted: true },
    ],
    { owed: true, ack: true },
  ],
  [
    'done after a shutdown hand-over',
    [
      { kind: 'planned', resumed: false },
      { kind: 'worker-stopped', why: 'shutdown' },
      { kind: 'planned', resumed: true },
      { kind: 'worker-reported', outcome: 'succeeded' },
      { kind: 'job-ended', outcome: 'succeeded', admitted: true },
    ],
    { owed: true, ack: true },
  ],
  [
    'the worker fails the job',
    [
      { kind: 'planned', resumed: false },
      { kind: 'worker-reported', outcome: 'failed' },
      { kind: 'job-ended', outcome: 'failed', error: JOB_ERRORS.failed, admitted: true },
    ],
    { owed: true, ack: true },
  ],
  [
    'the worker fails before a plan (no model key)',
    [
      { kind: 'worker-reported', outcome: 'failed' },
      { kind: 'job-ended', outcome: 'failed', error: JOB_ERRORS.failed, admitted: true },
    ],
    { owed: true, ack: false },
  ],
  [
    'interrupted mid-job',
    [
      { kind: 'planned', resumed: false },
      { kind: 'interrupt-recorded' },
      { kind: 'worker-reported', outcome: 'interrupted' },
      { kind: 'job-ended', outcome: 'interrupted', admitted: true },
    ],
    { owed: true, ack: true },
  ],
  [
    'interrupted before it started',
    [{ kind: 'job-ended', outcome: 'interrupted', admitted: true }],
    { owed: true, ack: false },
  ],
  [
    'lease never freed',
    [{ kind: 'job-ended', outcome: 'slot-unavailable', admitted: true }],
    { owed: true, ack: false },
  ],
  [
    'a workflow step fails',
    [{ kind: 'job-ended', outcome: 'failed', error: 'States.TaskFailed', admitted: true }],
    { owed: true, ack: false },
  ],
  [
    'parsing fails',
    [{ kind: 'job-ended', outcome: 'failed', error: 'States.TaskFailed', admitted: false }],
    { owed: false, ack: false },
  ],
  [
    'timed out, the worker answers late',
    [
      { kind: 'planned', resumed: false },
      { kind: 'timed-out' },
      { kind: 'worker-stopped', why: 'task-gone' },
    ],
    { owed: true, ack: true },
  ],
  ['never picked up', [{ kind: 'timed-out' }], { owed: true, ack: false }],
  [
    'stopped by an operator',
    [
      { kind: 'planned', resumed: false },
      { kind: 'execution-ended' },
      { kind: 'worker-stopped', why: 'task-gone' },
    ],
    { owed: false, ack: true },
  ],
  ['a redelivered message', [{ kind: 'worker-stopped', why: 'duplicate' }], { owed: false, ack: false }],
];

const decided = (event: JobEvent): Expected => {
  const decision = replyFor(event);
  return decision.replier === null ? null : [decision.replier, decision.reply];
};

describe('the reply policy', () => {
  it.each(TABLE)('%s', (_name, event, expected) => {
    expect(decided(event)).toEqual(expected);
    const decision = replyFor(event);
    if (decision.replier === null) expect(decision.why).not.toBe('');
  });

  it('covers every kind of event', () => {
    const kinds: Record<JobEvent['kind'], true> = {
      'email-stored': true,
      'not-accepted': true,
      planned: true,
      'worker-reported': true,
      'worker-stopped': true,
      'job-ended': true,
      'timed-out': true,
      'execution-ended': true,
      'interrupt-recorded': true,
    };
    expect(new Set(TABLE.map(([, event]) => event.kind))).toEqual(new Set(Object.keys(kinds)));
  });

  it.each(JOURNEYS)(
    'gives "%s" one final reply where one is owed, never two',
    (_name, events, { owed, ack }) => {
      // The worker and the workflow both see the end of a job: each consults the policy, and the same
      // reply decided twice (once per side) is still one reply, sent by the one replier it names.
      const replies = new Set(
        events.flatMap((event) => {
          const decision = decided(event);
          return decision ? [decision.join(':')] : [];
        }),
      );
      const finals = [...replies].filter((reply) => !reply.endsWith(':acknowledgement'));
      expect(finals).toHaveLength(owed ? 1 : 0);
      expect(replies.has('worker:acknowledgement')).toBe(ack);
    },
  );

  it('has the worker and the workflow agree on who answers the end of a job', () => {
    const pairs = [
      [
        { kind: 'worker-reported', outcome: 'succeeded' },
        { kind: 'job-ended', outcome: 'succeeded', admitted: true },
      ],
      [
        { kind: 'worker-reported', outcome: 'failed' },
        { kind: 'job-ended', outcome: 'failed', error: JOB_ERRORS.failed, admitted: true },
      ],
      [
        { kind: 'worker-reported', outcome: 'interrupted' },
        { kind: 'job-ended', outcome: 'interrupted', admitted: true },
      ],
    ] as const;
    for (const [worker, workflow] of pairs) expect(decided(worker)).toEqual(decided(workflow));
  });
});

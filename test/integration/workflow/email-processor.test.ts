import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { listOutbox } from '#local/outbox/outbox.ts';
import { ScriptedWorker, type ReceivedJob } from '../../helpers/scripted-worker.ts';
import { AMELIA, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { waitFor } from '../../helpers/wait.ts';
import { HAPPY_PATH } from '../../helpers/workflow-states.ts';

describe('email-processor workflow on the local runtime', () => {
  let runtime: TestRuntime;
  let worker: ScriptedWorker;

  beforeAll(async () => {
    runtime = await startTestRuntime({
      projects: [
        AMELIA,
        { id: 'bravo', users: ['ann', 'bob'], allowedSenders: ['@example.com'] },
        {
          id: 'slow',
          users: ['sam'],
          allowedSenders: ['scott@example.com'],
          settings: { heartbeatSeconds: 1, leaseSeconds: 10, jobTimeoutSeconds: 60 },
        },
        { id: 'crowd', users: ['cat'], allowedSenders: ['scott@example.com'] },
        {
          id: 'unstaffed',
          users: ['uma'],
          allowedSenders: ['scott@example.com'],
          settings: { queueWaitSeconds: 2, heartbeatSeconds: 1, leaseSeconds: 10, jobTimeoutSeconds: 60 },
        },
      ],
    });
    worker = new ScriptedWorker(runtime.clients, runtime.config);
  });
  afterAll(async () => runtime?.dispose());

  const describeExecution = (jobId: string) => runtime.describeExecution(jobId);
  const finished = (jobId: string, timeoutMs?: number) => runtime.executionEnded(jobId, timeoutMs);
  const jobRecord = (projectId: string, jobId: string) => runtime.jobRecord(projectId, jobId);
  const lease = (leaseId: string) => runtime.lease(leaseId);

  const nextJob = (projectId: string, userId: string, timeoutMs = 20_000) =>
    waitFor(`a job on ${projectId}/${userId}'s queue`, () => worker.nextJob(projectId, userId, 1), {
      timeoutMs,
    });

  it('takes a new email to a job on the project queue, and releases the lease on success', async () => {
    const email = await runtime.putEmail({ subject: 'Three stories' });
    const job = await nextJob('amelia', 'scott');

    expect(job.message.job).toMatchObject({
      jobId: email.jobId,
      projectId: 'amelia',
      userId: 'scott',
      sender: 'scott@example.com',
      subject: 'Three stories',
      emailKey: email.key,
      instructionKey: `instructions/${email.jobId}.txt`,
    });
    expect(job.message.job.replyFrom).toMatch(/^amelia\.scott\+t[0-9a-f]{24}@intake\.localhost$/);
    expect((await lease('amelia#scott'))?.jobId).toBe(email.jobId);

    await worker.succeed(job, { stories: 3, commits: ['a', 'b', 'c'] });
    const execution = await finished(email.jobId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await lease('amelia#scott')).toBeUndefined();
    expect(await jobRecord('amelia', email.jobId)).toMatchObject({
      outcome: 'succeeded',
      summary: { stories: 3, commits: ['a', 'b', 'c'] },
    });

    const history = await runtime.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: runtime.executionArnOf(email.jobId), maxResults: 1000 }),
    );
    const entered = (history.events ?? []).flatMap((event) =>
      event.stateEnteredEventDetails?.name ? [event.stateEnteredEventDetails.name] : [],
    );
    expect(entered).toEqual(HAPPY_PATH);
  });

  it('interrupts the running job when a reply arrives, records it, and runs the reply after the release', async () => {
    const first = await runtime.putEmail({ subject: 'First spec' });
    const firstJob = await nextJob('amelia', 'scott');
    expect(firstJob.message.job.jobId).toBe(first.jobId);

    const reply = await runtime.putEmail({
      subject: 'Re: First spec',
      inReplyTo: first.messageId,
      text: 'Stop, do X',
    });
    const interrupt = await waitFor('the interrupt', () => worker.nextInterrupt('amelia', 'scott', 1));
    expect(interrupt).toMatchObject({ kind: 'interrupt', targetJobId: first.jobId, byJobId: reply.jobId });
    await waitFor('the interrupt flag on the lease', async () =>
      (await lease('amelia#scott'))?.interruptRequestedBy === reply.jobId ? true : undefined,
    );

    await worker.fail(firstJob, 'Job.Interrupted', 'stopped at story 1 of 3 (generate)');
    expect((await finished(first.jobId)).status).toBe('SUCCEEDED');
    expect(await jobRecord('amelia', first.jobId)).toMatchObject({
      outcome: 'interrupted',
      interruptedBy: reply.jobId,
    });

    const replyJob = await nextJob('amelia', 'scott', 30_000);
    expect(replyJob.message.job.jobId).toBe(reply.jobId);
    expect(replyJob.message.job.threadId).toBe(firstJob.message.job.threadId);
    await worker.succeed(replyJob);
    expect((await finished(reply.jobId)).status).toBe('SUCCEEDED');

    const { Items } = await runtime.clients.dynamodb.send(
      new QueryCommand({
        TableName: runtime.config.interruptionsTable,
        KeyConditionExpression: 'pk = :lease',
        ExpressionAttributeValues: { ':lease': { S: 'amelia#scott' } },
      }),
    );
    const records = (Items ?? []).map((item) => unmarshall(item));
    expect(records).toContainEqual(
      expect.objectContaining({
        targetJobId: first.jobId,
        byJobId: reply.jobId,
        delivered: true,
        ttl: expect.any(Number),
      }),
    );

    const outbox = await listOutbox(runtime.dataDir);
    expect(
      outbox.some((entry) => entry.subject.includes('Interrupted') && entry.to.includes('scott@example.com')),
    ).toBe(true);
  }, 60_000);

  it('lets two project-users run in parallel without waiting for each other', async () => {
    const ann = await runtime.putEmail({ from: 'ann@example.com', to: 'bravo.ann@intake.localhost' });
    const annJob = await nextJob('bravo', 'ann');
    const bob = await runtime.putEmail({ from: 'bob@example.com', to: 'bravo.bob@intake.localhost' });
    const bobJob = await nextJob('bravo', 'bob');
    expect(annJob.message.job.jobId).toBe(ann.jobId);
    expect(bobJob.message.job.jobId).toBe(bob.jobId);
    await worker.succeed(bobJob);
    await worker.succeed(annJob);
    expect((await finished(ann.jobId)).status).toBe('SUCCEEDED');
    expect((await finished(bob.jobId)).status).toBe('SUCCEEDED');
  });

  it('starts one execution for the same S3 event three times', async () => {
    const email = await runtime.putEmail({ subject: 'Once only' }, 'emails/duplicate-event');
    await runtime.putEmail({ subject: 'Once only', messageId: email.messageId }, 'emails/duplicate-event');
    await runtime.putEmail({ subject: 'Once only', messageId: email.messageId }, 'emails/duplicate-send');
    const job = await nextJob('amelia', 'scott');
    expect(job.message.job.jobId).toBe(email.jobId);
    await worker.succeed(job);
    await finished(email.jobId);
    const { executions } = await runtime.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: runtime.config.stateMachineArn, maxResults: 1000 }),
    );
    expect(executions?.filter((execution) => execution.name === email.jobId)).toHaveLength(1);
    expect(await worker.nextJob('amelia', 'scott', 1)).toBeUndefined();
  });

  it('keeps a job in its queue past the heartbeat until a worker starts, then runs it', async () => {
    // Scaling out from zero takes minutes: the run's heartbeat (1 s here) must not count that wait.
    const email = await runtime.putEmail({ to: 'slow.sam@intake.localhost', subject: 'Wait for me' });
    const queuedAt = await waitFor('the job to be queued', async () => {
      const record = await jobRecord('slow', email.jobId);
      return record?.outcome === 'queued' ? Date.now() : undefined;
    });
    // No worker for five heartbeats (SQS holds the message; nothing may time out meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(Date.now() - queuedAt).toBeGreaterThanOrEqual(5_000);
    expect((await describeExecution(email.jobId)).status).toBe('RUNNING');

    const job = await nextJob('slow', 'sam');
    expect(job.message.job.jobId).toBe(email.jobId);
    expect((await lease('slow#sam'))?.runTaskToken).toBe(job.runToken);
    await worker.succeed(job);
    expect((await finished(email.jobId)).status).toBe('SUCCEEDED');
    expect(await jobRecord('slow', email.jobId)).toMatchObject({ outcome: 'succeeded' });
  }, 30_000);

  it('times a job out when no worker picks it up within the queue-wait limit', async () => {
    const email = await runtime.putEmail({ to: 'unstaffed.uma@intake.localhost' });
    const execution = await finished(email.jobId, 20_000);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Job.TimedOut' });
    expect(await lease('unstaffed#uma')).toBeUndefined();
    expect(await jobRecord('unstaffed', email.jobId)).toMatchObject({
      outcome: 'timed-out',
      error: 'States.Timeout',
      cause: expect.stringContaining('no worker picked it up within 2 s'),
    });
  });

  it('takes the timeout path when the worker sends no heartbeat: DLQ message, lease released', async () => {
    const email = await runtime.putEmail({ to: 'slow.sam@intake.localhost' });
    await nextJob('slow', 'sam');
    const execution = await finished(email.jobId, 20_000);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Job.TimedOut' });
    expect(await lease('slow#sam')).toBeUndefined();
    expect(await jobRecord('slow', email.jobId)).toMatchObject({
      outcome: 'timed-out',
      error: 'States.HeartbeatTimeout',
    });
    const { Messages } = await runtime.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: await worker.queueUrl('slow', 'sam', 'deadLetter'),
        WaitTimeSeconds: 1,
      }),
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '{}')).toMatchObject({
      kind: 'timed-out-job',
      job: { jobId: email.jobId },
    });
  });

  it('fails with the worker cause when the worker reports Job.Failed', async () => {
    const email = await runtime.putEmail({ subject: 'Will fail' });
    const job = await nextJob('amelia', 'scott');
    await worker.fail(job, 'Job.Failed', 'story 2 failed validation: npm test exited 1');
    const execution = await finished(email.jobId);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Job.Failed',
      cause: 'story 2 failed validation: npm test exited 1',
    });
    expect(await lease('amelia#scott')).toBeUndefined();
    expect(await jobRecord('amelia', email.jobId)).toMatchObject({ outcome: 'failed', error: 'Job.Failed' });
  });

  it('records an execution stopped by an operator as aborted and releases its lease', async () => {
    const email = await runtime.putEmail({ subject: 'Stopped by an operator' });
    await nextJob('amelia', 'scott');
    expect((await lease('amelia#scott'))?.jobId).toBe(email.jobId);
    await runtime.clients.sfn.send(
      new StopExecutionCommand({ executionArn: runtime.executionArnOf(email.jobId), error: 'Operator.Stop' }),
    );
    const record = await waitFor('the aborted outcome', async () => {
      const item = await jobRecord('amelia', email.jobId);
      return item?.outcome === 'aborted' ? item : undefined;
    });
    expect(record).toMatchObject({ error: 'Operator.Stop', finishedAt: expect.any(String) });
    expect(await lease('amelia#scott')).toBeUndefined();
  });

  it('records a rejected email without claiming a lease, and tells an authenticated sender why', async () => {
    const email = await runtime.putEmail({ from: 'mallory@example.com', subject: 'Let me in' });
    const execution = await finished(email.jobId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await jobRecord('amelia', email.jobId)).toMatchObject({
      outcome: 'rejected',
      reason: 'unauthorised-sender',
    });
    expect(await lease('amelia#scott')).toBeUndefined();
    await waitFor('the rejection reply', async () => {
      const outbox = await listOutbox(runtime.dataDir);
      return outbox.find((entry) => entry.to.includes('mallory@example.com')) ?? undefined;
    });

    const spam = await runtime.putEmail({ spam: 'FAIL', subject: 'Cheap pills' });
    expect((await finished(spam.jobId)).status).toBe('SUCCEEDED');
    expect(await jobRecord('_unrouted', spam.jobId)).toMatchObject({ outcome: 'rejected', reason: 'spam' });
  });

  it('never holds two active jobs for 20 emails at once to one project-user, and gives each an outcome', async () => {
    const emails = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        runtime.putEmail({ to: 'crowd.cat@intake.localhost', subject: `n${index}` }),
      ),
    );
    const violations: string[] = [];
    const done = new Set<string>();
    const deadline = Date.now() + 150_000;
    const interrupted = new Set<string>();
    let current: ReceivedJob | undefined;
    while (done.size < emails.length && Date.now() < deadline) {
      if (!current) {
        current = await worker.nextJob('crowd', 'cat', 1);
        if (current) {
          // The queued job must be the lease's holder, with no second job queued behind it.
          const { jobId } = current.message.job;
          const holder = (await lease('crowd#cat'))?.jobId;
          if (holder !== jobId) violations.push(`${jobId} was queued while ${holder} held the lease`);
          const { Attributes } = await runtime.clients.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: current.queueUrl,
              AttributeNames: ['ApproximateNumberOfMessages'],
            }),
          );
          if (Attributes?.ApproximateNumberOfMessages !== '0')
            violations.push(`a second job was queued beside ${jobId}`);
        }
      }
      const interrupt = await worker.nextInterrupt('crowd', 'cat', 0).catch(() => undefined);
      if (interrupt) interrupted.add(interrupt.targetJobId);
      if (current) {
        const { jobId } = current.message.job;
        if (interrupted.has(jobId))
          await worker.fail(current, 'Job.Interrupted', 'interrupted before story 1');
        else await worker.succeed(current);
        current = undefined;
      }
      for (const email of emails) {
        if (done.has(email.jobId)) continue;
        const execution = await describeExecution(email.jobId).catch(() => undefined);
        if (execution && execution.status !== 'RUNNING') done.add(email.jobId);
      }
    }
    expect(violations).toEqual([]);
    expect(done.size).toBe(emails.length);
    const { Items } = await runtime.clients.dynamodb.send(
      new ScanCommand({
        TableName: runtime.config.jobsTable,
        FilterExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'crowd' } },
      }),
    );
    const outcomes = (Items ?? []).map((item) => unmarshall(item).outcome as string);
    expect(outcomes).toHaveLength(20);
    expect(
      outcomes.every((outcome) => ['succeeded', 'interrupted', 'slot-unavailable'].includes(outcome)),
    ).toBe(true);
    expect(await lease('crowd#cat')).toBeUndefined();
  }, 180_000);
});

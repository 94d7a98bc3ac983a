import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAdmissionWindows } from '#adapters/dynamodb-admission-windows.ts';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { parseProject, type ProjectInput } from '#domain/project-config.ts';
import type { OutboxEntry } from '#local/outbox/outbox.ts';
import { AMELIA, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.ts';
import { waitFor } from '../helpers/wait.ts';
import { windowsFor } from '#workflow/admission-windows.ts';

const DAY = 86_400;
const floodProject = (id: string, perSender = 3, perProject = 5): ProjectInput => ({
  id,
  users: ['ann'],
  allowedSenders: ['@example.com'],
  settings: { rateLimits: { windowSeconds: DAY, perSender, perProject } },
});

describe('admission rate limit', () => {
  let runtime: TestRuntime;
  const outbox: OutboxEntry[] = [];

  beforeAll(async () => {
    runtime = await startTestRuntime({
      projects: [AMELIA, floodProject('flood'), floodProject('flood2')],
      onOutboxMessage: (entry) => outbox.push(entry),
    });
  }, 60_000);
  afterAll(async () => runtime?.dispose());

  const outcomesOf = async (projectId: string): Promise<Map<string, string>> => {
    const { Items = [] } = await runtime.clients.dynamodb.send(
      new ScanCommand({ TableName: runtime.config.jobsTable, ConsistentRead: true }),
    );
    return new Map(
      Items.map((item) => unmarshall(item))
        .filter((item) => item.pk === projectId)
        .map((item) => [String(item.sk), String(item.outcome)]),
    );
  };

  it('admits exactly the limit under 50 concurrent conditional updates, idempotently per job', async () => {
    const windows = new DynamoDbAdmissionWindows(
      runtime.clients.documents,
      runtime.config.admissionWindowsTable,
    );
    const window = { key: 'race#project#w', limit: 20, expiresAt: 2_000_000_000 };
    const jobs = Array.from({ length: 50 }, (_, index) => `job-${index}`);
    const taken = await Promise.all(jobs.map((job) => windows.take(window, job)));
    const admitted = jobs.filter((_, index) => taken[index]);
    const refused = jobs.filter((_, index) => !taken[index]);
    expect(admitted).toHaveLength(20);
    expect(await windows.take(window, admitted[0]!)).toBe(true);
    expect(await windows.take(window, refused[0]!)).toBe(false);

    const replies = await Promise.all(refused.map((job) => windows.claimReply(window, job)));
    expect(replies.filter(Boolean)).toHaveLength(1);
    const answered = refused[replies.indexOf(true)]!;
    expect(await windows.claimReply(window, answered)).toBe(true);

    await windows.giveBack(window, admitted[0]!);
    expect(await windows.take(window, refused[0]!)).toBe(true);
  });

  it('records the excess of a flood as rate-limited, keeps it, and answers once per window', async () => {
    // The windows are a day long; a burst that straddles midnight UTC is sent again to a fresh project.
    for (const projectId of ['flood', 'flood2']) {
      const startWindow = windowsFor(
        projectId,
        'ann@example.com',
        parseProject(floodProject(projectId)).settings.rateLimits,
        new Date(),
      ).project.key;
      const sent = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          runtime.putEmail({
            from: 'ann@example.com',
            to: `${projectId}.ann@intake.localhost`,
            subject: `Flood ${index}`,
          }),
        ),
      );
      const more = await Promise.all(
        Array.from({ length: 3 }, (_, index) =>
          runtime.putEmail({
            from: 'bob@example.com',
            to: `${projectId}.ann@intake.localhost`,
            subject: `More ${index}`,
          }),
        ),
      );
      const outcomes = await waitFor('every email to be parsed', async () => {
        const found = await outcomesOf(projectId);
        return [...sent, ...more].every((email) => found.has(email.jobId)) ? found : undefined;
      });
      const endWindow = windowsFor(
        projectId,
        'ann@example.com',
        parseProject(floodProject(projectId)).settings.rateLimits,
        new Date(),
      ).project.key;
      if (endWindow !== startWindow) continue;

      const limited = await waitFor('the rate-limited outcomes', async () => {
        const found = await outcomesOf(projectId);
        const count = [...found.values()].filter((outcome) => outcome === 'rate-limited').length;
        return count === 6 ? found : undefined;
      });
      // ann: 3 of 8 admitted; bob: 2 of 3 (the project's 5 are used up), the third refused by the project.
      const annAdmitted = sent.filter((email) => limited.get(email.jobId) !== 'rate-limited');
      const bobAdmitted = more.filter((email) => limited.get(email.jobId) !== 'rate-limited');
      expect(annAdmitted).toHaveLength(3);
      expect(bobAdmitted).toHaveLength(2);
      expect(outcomes.size).toBe(11);

      const record = await runtime.jobRecord(
        projectId,
        sent.find((email) => limited.get(email.jobId) === 'rate-limited')!.jobId,
      );
      expect(record).toMatchObject({
        outcome: 'rate-limited',
        reason: 'rate-limited',
        emailKey: expect.stringMatching(/^emails\//),
      });
      expect(String(record?.detail)).toContain('can be replayed');

      // One reply for ann's window, one for the project's window; none for the other refusals.
      const replies = await waitFor('the replies', () => {
        const found = outbox.filter(
          (entry) => entry.from.includes(`${projectId}.ann@`) && entry.subject.includes('[Not accepted]'),
        );
        return found.length >= 2 ? found : undefined;
      });
      const executionsDone = await Promise.all(
        [...sent, ...more]
          .filter((email) => limited.get(email.jobId) === 'rate-limited')
          .map((email) => runtime.executionEnded(email.jobId)),
      );
      expect(executionsDone.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
      expect(replies.map((entry) => entry.to[0]).sort()).toEqual(['ann@example.com', 'bob@example.com']);
      expect(
        outbox.filter(
          (entry) => entry.from.includes(`${projectId}.ann@`) && entry.subject.includes('[Not accepted]'),
        ),
      ).toHaveLength(2);

      // Replay: raise the limit and start the kept email again under a new execution name.
      const replayed = sent.find((email) => limited.get(email.jobId) === 'rate-limited')!;
      await new DynamoDbProjectRegistry(runtime.clients.documents, runtime.config.projectsTable).put(
        parseProject(floodProject(projectId, 100, 100)),
      );
      const replayName = `${replayed.jobId}-replay-1`;
      await runtime.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: runtime.config.stateMachineArn,
          name: replayName,
          input: JSON.stringify({ bucket: runtime.config.mailBucket, key: replayed.key }),
        }),
      );
      // ann's own window is still full: the replay is limited again unless the sender limit allows it.
      const replayOutcome = await waitFor('the replay to be parsed', async () =>
        (await outcomesOf(projectId)).get(replayName),
      );
      expect(['received', 'rate-limited']).toContain(replayOutcome);
      return;
    }
    throw new Error('both bursts straddled a window boundary');
  }, 120_000);
});

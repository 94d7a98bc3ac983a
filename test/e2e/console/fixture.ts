import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startConsole, type ConsoleServer } from '#local/console/index.ts';
import { storeOutboxMessage } from '#local/outbox/outbox.ts';
import { ScriptedWorker, type ReceivedJob } from '../../helpers/scripted-worker.ts';
import { AMELIA, startTestRuntime, type TestRuntime } from '../../helpers/local-runtime.ts';
import { waitFor } from '../../helpers/wait.ts';

export const HOSTILE_SUBJECT =
  '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> spec';

/** A runtime and a console on free ports, with helpers to drive emails through the workflow. */
export interface ConsoleFixture {
  runtime: TestRuntime;
  console: ConsoleServer;
  worker: ScriptedWorker;
  /** Stores an email and waits for its job on amelia/scott's queue. */
  startJob(subject: string): Promise<{ jobId: string; executionArn: string; job: ReceivedJob }>;
  finished(executionArn: string): Promise<string>;
  history(executionArn: string): Promise<HistoryEvent[]>;
  dispose(): Promise<void>;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const runtime = await startTestRuntime({ projects: [AMELIA] });
  const server = await startConsole({
    host: '127.0.0.1',
    port: 0,
    clients: runtime.clients,
    config: runtime.config,
    dataDir: runtime.dataDir,
    stepFunctions: runtime.stepFunctions,
  }).catch(async (error: unknown) => {
    await runtime.dispose();
    throw error;
  });
  const worker = new ScriptedWorker(runtime.clients, runtime.config);
  // Replies are captured only on some paths; one stored message makes the outbox views testable.
  await storeOutboxMessage(
    runtime.dataDir,
    Buffer.from(
      [
        'From: amelia.scott@intake.localhost',
        'To: scott@example.com',
        `Subject: Re: ${HOSTILE_SUBJECT}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Done: <b>2 stories</b>, 2 commits.',
        '',
      ].join('\r\n'),
    ),
  );

  return {
    runtime,
    console: server,
    worker,
    async startJob(subject) {
      const { jobId } = await runtime.putEmail({ subject });
      const job = await waitFor('a job on the queue', () => worker.nextJob('amelia', 'scott', 1));
      if (job.message.job.jobId !== jobId)
        throw new Error(`expected job ${jobId}, got ${job.message.job.jobId}`);
      return { jobId, executionArn: runtime.executionArnOf(jobId), job };
    },
    finished: (executionArn) =>
      waitFor(`execution ${executionArn} to finish`, async () => {
        const { status } = await runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
        return status === 'RUNNING' ? undefined : status;
      }),
    async history(executionArn) {
      const { events } = await runtime.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
      );
      return events ?? [];
    },
    async dispose() {
      await server.stop();
      await runtime.dispose();
    },
  };
}

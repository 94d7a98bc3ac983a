import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEmail } from '../helpers/emails.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/local-runtime.ts';
import { ScriptedWorker } from '../helpers/scripted-worker.ts';
import { waitFor } from '../helpers/wait.ts';
import { executionNameOf } from '#workflow/start-email-execution.ts';

const AWS = '/usr/bin/aws';
const run = promisify(execFile);

describe.skipIf(!existsSync(AWS))('the AWS CLI against the local edge endpoint', () => {
  let runtime: TestRuntime;
  let worker: ScriptedWorker;

  const aws = async <T>(...args: string[]): Promise<T> => {
    const { stdout } = await run(AWS, ['--endpoint-url', runtime.endpoint, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: runtime.dataDir,
        AWS_ACCESS_KEY_ID: runtime.emulators.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: runtime.emulators.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      },
    });
    return (stdout.trim() === '' ? {} : JSON.parse(stdout)) as T;
  };

  beforeAll(async () => {
    runtime = await startTestRuntime();
    worker = new ScriptedWorker(runtime.clients, runtime.config);
  });
  afterAll(async () => runtime?.dispose());

  it('uploads an email with s3 cp that is then processed, and reads everything back', async () => {
    const { raw } = rawEmail({ subject: 'Uploaded with the AWS CLI' });
    const file = join(runtime.dataDir, 'spec.eml');
    await writeFile(file, raw);
    await aws(
      's3',
      'cp',
      '--only-show-errors',
      file,
      `s3://${runtime.config.mailBucket}/emails/from the cli.eml`,
    );

    const job = await waitFor('the job', () => worker.nextJob('amelia', 'scott', 1));
    const jobId = executionNameOf(new TextEncoder().encode(raw));
    expect(job.message.job.jobId).toBe(jobId);
    await worker.succeed(job);

    const executionArn = runtime.executionArnOf(jobId);
    await waitFor('the execution to succeed', async () => {
      const execution = await aws<{ status: string }>(
        'stepfunctions',
        'describe-execution',
        '--execution-arn',
        executionArn,
      );
      return execution.status === 'SUCCEEDED' ? true : undefined;
    });

    const { executions } = await aws<{ executions: { name: string; status: string }[] }>(
      'stepfunctions',
      'list-executions',
      '--state-machine-arn',
      runtime.config.stateMachineArn,
    );
    expect(executions).toContainEqual(expect.objectContaining({ name: jobId, status: 'SUCCEEDED' }));

    const { events } = await aws<{ events: { type: string }[] }>(
      'stepfunctions',
      'get-execution-history',
      '--execution-arn',
      executionArn,
    );
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');

    const { Items } = await aws<{ Items: { sk: { S: string }; outcome: { S: string } }[] }>(
      'dynamodb',
      'scan',
      '--table-name',
      runtime.config.jobsTable,
    );
    expect(Items).toContainEqual(expect.objectContaining({ sk: { S: jobId }, outcome: { S: 'succeeded' } }));

    const { Attributes } = await aws<{ Attributes: Record<string, string> }>(
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      job.queueUrl,
      '--attribute-names',
      'All',
    );
    expect(Attributes).toMatchObject({ FifoQueue: 'true', ApproximateNumberOfMessages: '0' });
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
  });
});

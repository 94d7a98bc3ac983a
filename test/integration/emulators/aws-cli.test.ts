import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulators } from '#local/emulators/index.ts';
import { removeDir, start, tempDataDir } from './harness.ts';

const AWS = '/usr/bin/aws';
const hasCli = existsSync(AWS);
if (!hasCli) console.warn(`skipping AWS CLI test: ${AWS} is missing (apt-get install -y awscli)`);

const run = promisify(execFile);
let dataDir: string;
let emulators: Emulators;

async function aws(...args: string[]): Promise<string> {
  const { stdout } = await run(AWS, ['--endpoint-url', emulators.endpoint, '--output', 'json', ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: dataDir,
      AWS_ACCESS_KEY_ID: emulators.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulators.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    },
    timeout: 60_000,
  });
  return stdout;
}

describe.skipIf(!hasCli)('AWS CLI v2 against the edge', () => {
  beforeAll(async () => {
    dataDir = await tempDataDir();
    emulators = await start(dataDir);
  });

  afterAll(async () => {
    await emulators?.stop();
    await removeDir(dataDir);
  });

  it('lists queues, tables and buckets', { timeout: 120_000 }, async () => {
    await aws(
      'sqs',
      'create-queue',
      '--queue-name',
      'cli-queue.fifo',
      '--attributes',
      'FifoQueue=true,ContentBasedDeduplication=true',
    );
    await aws(
      'dynamodb',
      'create-table',
      '--table-name',
      'cli-table',
      '--attribute-definitions',
      'AttributeName=pk,AttributeType=S',
      '--key-schema',
      'AttributeName=pk,KeyType=HASH',
      '--billing-mode',
      'PAY_PER_REQUEST',
    );
    await aws('s3', 'mb', 's3://cli-bucket');

    const queues = JSON.parse(await aws('sqs', 'list-queues')) as { QueueUrls: string[] };
    expect(queues.QueueUrls).toEqual([`${emulators.endpoint}/000000000000/cli-queue.fifo`]);
    const tables = JSON.parse(await aws('dynamodb', 'list-tables')) as { TableNames: string[] };
    expect(tables.TableNames).toEqual(['cli-table']);
    expect(await aws('s3', 'ls')).toContain('cli-bucket');

    const url = queues.QueueUrls[0] ?? '';
    await aws(
      'sqs',
      'send-message',
      '--queue-url',
      url,
      '--message-body',
      'from the cli',
      '--message-group-id',
      'g',
    );
    const attributes = JSON.parse(
      await aws('sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'All'),
    ) as {
      Attributes: Record<string, string>;
    };
    expect(attributes.Attributes.ApproximateNumberOfMessages).toBe('1');
  });
});

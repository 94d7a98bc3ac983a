import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { startNodeScript, type NodeProcess } from '#test/node-process';

const ENTRY = fileURLToPath(new URL('./sfn-process.ts', import.meta.url));

/** Starts the Step Functions runtime alone in a child process on `port`, data under `dataDir`. */
export function startRuntimeProcess(dataDir: string, port: number): Promise<NodeProcess> {
  return startNodeScript(ENTRY, [dataDir, String(port)], 'ready');
}

export function sfnClient(port: number): SFNClient {
  return new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

/** The payloads the child's Lambda functions received, in order. */
export function callsIn(dataDir: string): { key?: string }[] {
  const file = join(dataDir, 'calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { key?: string });
}

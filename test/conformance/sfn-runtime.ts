import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, HistoryEvent, Tag } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../helpers/cli-process.ts';
import { startNodeScript, type NodeProcess } from '../helpers/node-process.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostRuntime, type HostedRuntime } from './sfn-host.ts';

export const CONFORMANCE_ROLE = 'arn:aws:iam::000000000000:role/conformance';

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

export interface ConformanceRuntime {
  readonly sfn: SFNClient;
  readonly dataDir: string;
  /** Creates a machine named `<label>-<n>` unless a name is given. */
  create(definition: object, extra?: { name?: string; tags?: Tag[] }): Promise<string>;
  run(stateMachineArn: string, input?: object, name?: string): Promise<string>;
  /** Waits until the execution is no longer RUNNING. */
  finished(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /** SIGKILLs the runtime and starts it again on the same data folder and port. */
  restart(): Promise<void>;
}

/**
 * Where a suite's runtime runs: in a child process (the only way to SIGKILL it for `restart`), or in
 * the test process, so that coverage sees the runtime's code.
 */
export type RuntimePlacement = 'child-process' | 'in-process';

/** One runtime for a `describe` block: started before its tests, stopped after them. */
export function useRuntimeProcess(
  label: string,
  placement: RuntimePlacement = 'child-process',
): ConformanceRuntime {
  let dataDir = '';
  let port = 0;
  let process: NodeProcess | undefined;
  let hosted: HostedRuntime | undefined;
  let sfn: SFNClient | undefined;
  let counter = 0;
  const client = (): SFNClient => {
    if (!sfn) throw new Error('the runtime is not started');
    return sfn;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `sfn-${label}-`));
    port = await freePort();
    if (placement === 'in-process') hosted = await hostRuntime(dataDir, port);
    else process = await startRuntimeProcess(dataDir, port);
    sfn = sfnClient(port);
  }, 90_000);

  afterAll(async () => {
    sfn?.destroy();
    await process?.stop();
    await hosted?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return {
    get sfn() {
      return client();
    },
    get dataDir() {
      return dataDir;
    },
    async create(definition, extra = {}) {
      const created = await client().send(
        new CreateStateMachineCommand({
          name: extra.name ?? `${label}-${(counter += 1)}`,
          definition: JSON.stringify(definition),
          roleArn: CONFORMANCE_ROLE,
          tags: extra.tags,
        }),
      );
      return created.stateMachineArn!;
    },
    async run(stateMachineArn, input = {}, name) {
      const started = await client().send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return started.executionArn!;
    },
    finished: (executionArn) =>
      waitFor(`${executionArn} to finish`, async () => {
        const described = await client().send(new DescribeExecutionCommand({ executionArn }));
        return described.status === 'RUNNING' ? undefined : described;
      }),
    async restart() {
      if (placement === 'in-process') throw new Error('restart needs a runtime in a child process');
      await process?.kill();
      sfn?.destroy();
      process = await startRuntimeProcess(dataDir, port);
      sfn = sfnClient(port);
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { StepFunctionsService, startStepFunctionsServer } from '#local/stepfunctions/index.ts';
import type {
  SdkClient,
  StepFunctionsServer,
  StepFunctionsServiceOptions,
} from '#local/stepfunctions/index.ts';

export interface Harness {
  sfn: SFNClient;
  service: StepFunctionsService;
  server: StepFunctionsServer;
  /** Registers a definition under a fresh name and returns its ARN. */
  register(definition: object, substitutions?: Record<string, string>): string;
  /** Stops server and service (running executions stay RUNNING on disk). */
  stop(): Promise<void>;
}

let machineCounter = 0;

export async function startHarness(options: StepFunctionsServiceOptions = {}): Promise<Harness> {
  const service = await StepFunctionsService.create(options);
  const server = await startStepFunctionsServer({ service, port: 0, host: '127.0.0.1' });
  const sfn = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    sfn,
    service,
    server,
    register(definition, substitutions) {
      machineCounter += 1;
      return service.registerStateMachine({
        name: `test-machine-${process.pid}-${machineCounter}`,
        definition,
        definitionSubstitutions: substitutions,
      }).stateMachineArn;
    },
    async stop() {
      sfn.destroy();
      await server.close();
      await service.close();
    },
  };
}

export function temporaryDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'intake-sfn-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls DescribeExecution until the execution leaves RUNNING. */
export async function waitForCompletion(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs = 5000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

export interface SentMessage {
  command: string;
  input: Record<string, unknown>;
}

/**
 * A stand-in SDK client (until the emulators are wired): records each command and answers with
 * `respond`, or throws what it returns when that is an Error.
 */
export function fakeClient(respond: (message: SentMessage) => unknown = () => ({})): SdkClient & {
  sent: SentMessage[];
  next(): Promise<SentMessage>;
} {
  const sent: SentMessage[] = [];
  const waiters: ((message: SentMessage) => void)[] = [];
  let delivered = 0;
  return {
    sent,
    async send(command: object) {
      const message: SentMessage = {
        command: command.constructor.name,
        input: (command as { input: Record<string, unknown> }).input,
      };
      sent.push(message);
      waiters.shift()?.(message);
      const answer = respond(message);
      if (answer instanceof Error) throw answer;
      return { $metadata: { httpStatusCode: 200 }, ...(answer as object) };
    },
    next() {
      const index = delivered++;
      const ready = sent[index];
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Waits for the message whose body contains `marker` and returns its task token. */
export async function tokenForMessage(client: { sent: SentMessage[] }, marker: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const message = client.sent.find((sent) => String(sent.input['MessageBody']).includes(marker));
    if (message) return tokenFrom(message);
    if (Date.now() > deadline) throw new Error(`no message containing ${marker}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The task token a waitForTaskToken state put in its SQS message body. */
export function tokenFrom(message: SentMessage): string {
  const body = JSON.parse(String(message.input['MessageBody'])) as { taskToken: string };
  return body.taskToken;
}

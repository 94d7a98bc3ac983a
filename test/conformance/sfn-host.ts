/**
 * The local Step Functions runtime alone, served on `port` with data under `dataDir`, for the
 * conformance suite (in the test process, or in a child process through `sfn-process.ts`). Its Lambda
 * functions:
 * - `record`: appends its payload to `<dataDir>/calls.jsonl` and returns `{}`;
 * - `fail-once`: the first call per `key` throws `Flaky.Error`, later calls return `{ ok: true }`;
 * - `sized`: returns `{ text }` with `size` characters.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepFunctionsService, startStepFunctionsServer } from '#local/stepfunctions/index.ts';

function keyOf(payload: unknown): string {
  const key = typeof payload === 'object' && payload !== null && 'key' in payload ? payload.key : undefined;
  return typeof key === 'string' ? key : 'default';
}

export interface HostedRuntime {
  close(): Promise<void>;
}

export async function hostRuntime(dataDir: string, port: number): Promise<HostedRuntime> {
  const callsFile = join(dataDir, 'calls.jsonl');
  const functions: Record<string, (payload: unknown) => unknown> = {
    sized(payload) {
      const size = typeof payload === 'object' && payload !== null && 'size' in payload ? payload.size : 0;
      return { text: 'x'.repeat(typeof size === 'number' ? size : 0) };
    },
    record(payload) {
      appendFileSync(callsFile, `${JSON.stringify(payload)}\n`);
      return {};
    },
    'fail-once'(payload) {
      appendFileSync(callsFile, `${JSON.stringify(payload)}\n`);
      const marker = join(dataDir, `failed-${encodeURIComponent(keyOf(payload))}`);
      if (!existsSync(marker)) {
        writeFileSync(marker, '');
        throw Object.assign(new Error('first call fails'), { name: 'Flaky.Error' });
      }
      return { ok: true };
    },
  };

  const service = await StepFunctionsService.create({
    dataDir,
    invokeLambda: async (name, payload) => {
      const handler = functions[name];
      if (!handler)
        throw Object.assign(new Error(`Function not found: ${name}`), {
          name: 'Lambda.ResourceNotFoundException',
        });
      return handler(payload);
    },
  });
  const server = await startStepFunctionsServer({ service, port, host: '127.0.0.1' });
  return { close: () => server.close().then(() => service.close()) };
}

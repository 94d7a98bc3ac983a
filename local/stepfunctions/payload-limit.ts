import { SfnApiError } from './errors.ts';

/** Step Functions' limit for an execution's input, each state's input and output, a task's result. */
export const MAX_PAYLOAD_BYTES = 262_144;

export function payloadBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The API refuses a request field above the limit, as AWS's model validation does. */
export function assertApiPayload(field: 'input' | 'output', text: string): void {
  if (payloadBytes(text) <= MAX_PAYLOAD_BYTES) return;
  throw new SfnApiError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
  );
}

/** The cause AWS gives with `States.DataLimitExceeded`. */
export function dataLimitCause(stateName: string, what: 'input' | 'output' | 'result'): string {
  const subject =
    what === 'result'
      ? `The task '${stateName}' returned a result`
      : `The state '${stateName}' ${what === 'input' ? 'received an input' : 'produced an output'}`;
  return `${subject} with a size exceeding the maximum number of bytes service limit (${MAX_PAYLOAD_BYTES} bytes).`;
}

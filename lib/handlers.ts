import * as path from 'node:path';

import {
  ASL_FUNCTION_PLACEHOLDERS,
  ASL_TABLE_PLACEHOLDERS,
  HANDLER_NAMES,
  type HandlerName,
} from '#contracts/functions.ts';

export { ASL_FUNCTION_PLACEHOLDERS, ASL_TABLE_PLACEHOLDERS, HANDLER_NAMES, type HandlerName };

export interface HandlerSpec {
  readonly description: string;
  /** MiB; Lambda CPU scales with memory, so the parser gets more. */
  readonly memorySize: number;
  readonly timeoutSeconds: number;
}

export const HANDLERS: Record<HandlerName, HandlerSpec> = {
  intake: {
    description: 'S3 ObjectCreated on emails/ → StartExecution (idempotent name)',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  'parse-email': {
    description: 'Parse a raw email, store instruction and attachments, decide admission',
    memorySize: 1024,
    timeoutSeconds: 60,
  },
  'claim-job': {
    description: 'Claim the project-user lease; create the project queues on first use',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  'record-interruption': {
    description: 'Flag an interrupt on the running job and audit it',
    memorySize: 256,
    timeoutSeconds: 15,
  },
  'finish-job': {
    description: 'Release the lease, record the outcome, reply to the sender',
    memorySize: 512,
    timeoutSeconds: 30,
  },
  'handle-timeout': {
    description: 'A worker missed its heartbeat: release, dead-letter, record, notify',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  'record-execution-end': {
    description:
      'An execution ended without recording (stopped, timed out, failed Record step): release, record',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  'queue-backlog': {
    description: 'Every minute: total depth of the run-time project queues, published for scaling and alarms',
    memorySize: 256,
    timeoutSeconds: 50,
  },
};

/** The handlers the state machine invokes (every one except intake). */
export const WORKFLOW_HANDLERS: readonly HandlerName[] = [
  ...new Set(Object.values(ASL_FUNCTION_PLACEHOLDERS)),
];

export const handlerEntry = (lambdaRoot: string, name: HandlerName): string =>
  path.join(lambdaRoot, name, 'handler.ts');

import * as path from 'node:path';

/**
 * The Lambda handlers, in one place: the CDK app, the tests and the bundle benchmark all read this
 * list. Each is `lambdas/<name>/handler.ts` exporting `handler`.
 */
export const HANDLER_NAMES = [
  'intake',
  'parse-email',
  'claim-job',
  'record-interruption',
  'finish-job',
  'handle-timeout',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

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
    description: 'Claim the project-user slot; create the project queues on first use',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  'record-interruption': {
    description: 'Flag an interrupt on the running job and audit it',
    memorySize: 256,
    timeoutSeconds: 15,
  },
  'finish-job': {
    description: 'Release the slot, record the outcome, reply to the sender',
    memorySize: 512,
    timeoutSeconds: 30,
  },
  'handle-timeout': {
    description: 'A worker missed its heartbeat: release, dead-letter, record, notify',
    memorySize: 256,
    timeoutSeconds: 30,
  },
};

/** ASL placeholder → the handler whose ARN replaces it (definition substitutions). */
export const ASL_FUNCTION_PLACEHOLDERS = {
  ParseEmailFunctionArn: 'parse-email',
  ClaimJobFunctionArn: 'claim-job',
  RecordInterruptionFunctionArn: 'record-interruption',
  FinishJobFunctionArn: 'finish-job',
  HandleTimeoutFunctionArn: 'handle-timeout',
} as const satisfies Record<string, HandlerName>;

/** The handlers the state machine invokes (every one except intake). */
export const WORKFLOW_HANDLERS: readonly HandlerName[] = [
  ...new Set(Object.values(ASL_FUNCTION_PLACEHOLDERS)),
];

export const handlerEntry = (lambdaRoot: string, name: HandlerName): string =>
  path.join(lambdaRoot, name, 'handler.ts');

/**
 * The Lambda handlers, each `lambdas/<name>/handler.ts` exporting `handler`, and which ASL
 * placeholder each one's ARN replaces. The CDK app, the local runtime, the tests and the bundle
 * benchmark all read this one list.
 */
export const HANDLER_NAMES = [
  'intake',
  'parse-email',
  'claim-job',
  'record-interruption',
  'finish-job',
  'handle-timeout',
  'queue-backlog',
  'record-execution-end',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** ASL placeholder → the handler whose ARN replaces it (definition substitutions). */
export const ASL_FUNCTION_PLACEHOLDERS = {
  ParseEmailFunctionArn: 'parse-email',
  ClaimJobFunctionArn: 'claim-job',
  RecordInterruptionFunctionArn: 'record-interruption',
  FinishJobFunctionArn: 'finish-job',
  HandleTimeoutFunctionArn: 'handle-timeout',
} as const satisfies Record<string, HandlerName>;

/** ASL placeholder → the table (by its configuration field) whose name replaces it. */
export const ASL_TABLE_PLACEHOLDERS = {
  ActiveJobsTableName: 'activeJobsTable',
} as const satisfies Record<string, 'activeJobsTable'>;

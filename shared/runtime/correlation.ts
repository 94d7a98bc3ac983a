/**
 * The ids that tie a handler's log lines to one email: the job id (which is also the execution's
 * name) and the execution ARN, wherever the event carries them — at the top (ParseEmail), in the
 * workflow state (the other workflow steps) or in an EventBridge execution-status event. Nothing else
 * of the event is logged: it may hold addresses and subjects.
 */
export interface CorrelationIds {
  jobId?: string;
  executionArn?: string;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value.slice(0, 256) : undefined;

export const correlationIdsOf = (event: unknown): CorrelationIds => {
  const top = record(event);
  const state = record(top?.state);
  const detail = record(top?.detail);
  const jobId = text(top?.jobId) ?? text(state?.jobId) ?? text(detail?.name);
  const executionArn = text(top?.executionArn) ?? text(state?.executionArn) ?? text(detail?.executionArn);
  return { ...(jobId ? { jobId } : {}), ...(executionArn ? { executionArn } : {}) };
};

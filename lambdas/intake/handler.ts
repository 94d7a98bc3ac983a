import { loggerFor } from '#runtime/logger';
import { workflowDeps } from '#runtime/workflow-deps';
import { messageIdOf } from '#workflow/ingest-email';
import { emailObjectsIn, startEmailExecution } from '#workflow/start-email-execution';

const logger = loggerFor('intake');

/** S3 ObjectCreated under `emails/` → one email-processor execution per message id. */
export const handler = async (event: unknown) => {
  const deps = workflowDeps();
  if (!deps.starter)
    throw new Error('STATE_MACHINE_ARN is not set: the intake handler cannot start executions');
  const objects = emailObjectsIn(event as Parameters<typeof emailObjectsIn>[0]);
  const results = [];
  for (const object of objects) {
    const started = await startEmailExecution(object, {
      blobs: deps.blobs,
      starter: deps.starter,
      messageIdOf,
    });
    logger.info(started.status === 'started' ? 'execution started' : 'execution already started', {
      executionName: started.name,
      key: object.key,
    });
    results.push({ key: object.key, name: started.name, status: started.status });
  }
  return { started: results };
};

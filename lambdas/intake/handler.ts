import { loggerFor } from '#runtime/logger.ts';
import { METRICS } from '#contracts/metrics.ts';
import { blobs, metrics, starter } from '#runtime/handler-deps.ts';
import { lambdaHandler, type HandlerContext } from '#runtime/handler-context.ts';
import { storedEmailIdentity } from '#domain/message-id.ts';
import { emailObjectsIn, startEmailExecution } from '#workflow/start-email-execution.ts';

/** S3 ObjectCreated under `emails/` → one email-processor execution per message id. */
export const createHandler = (context: HandlerContext) => {
  const logger = loggerFor('intake', context.logLevel);
  return async (event: unknown) => {
    const deps = { blobs: blobs(context), starter: starter(context), identityOf: storedEmailIdentity };
    const results = [];
    for (const object of emailObjectsIn(event as Parameters<typeof emailObjectsIn>[0])) {
      const started = await startEmailExecution(object, deps);
      if (started.status === 'started') metrics(context).emit(METRICS.emailsReceived, 1);
      logger.info(started.status === 'started' ? 'execution started' : 'execution already started', {
        executionName: started.name,
        key: object.key,
      });
      results.push({ key: object.key, name: started.name, status: started.status });
    }
    return { started: results };
  };
};

export const handler = lambdaHandler('intake', createHandler);

import { loadRuntimeConfig, type RuntimeConfig } from '../config.ts';
import type { HandlerName } from '../contracts/functions.ts';
import type { AwsClientSettings } from './aws-clients.ts';
import { correlationIdsOf } from './correlation.ts';
import { loggerFor } from './logger.ts';

/**
 * What a handler is built from: its typed configuration, how its SDK clients reach AWS and how much
 * it logs. On Lambda it comes from the environment once per execution environment; the local
 * runtime builds one per runtime, so several runtimes can live in one process.
 */
export interface HandlerContext {
  readonly config: RuntimeConfig;
  readonly aws: AwsClientSettings;
  /** Powertools log level; unset, Powertools reads `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel?: string;
  /** Publish the metrics of the contract (on Lambda, as EMF); off in the local runtime. */
  readonly publishMetrics?: boolean;
}

/** The context of a Lambda execution environment: configuration from its variables. */
export const environmentContext = (
  env: Record<string, string | undefined> = process.env,
): HandlerContext => ({
  config: loadRuntimeConfig(env),
  aws: { s3ForcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true' },
  publishMetrics: true,
});

export type Handler = (event: unknown) => Promise<unknown>;

/**
 * The `handler` export Lambda calls: built from the environment on the first event (so a missing
 * variable fails that event with a clear error, not the import) and kept for the environment's life.
 */
export function lambdaHandler(name: HandlerName, create: (context: HandlerContext) => Handler): Handler {
  let built: Handler | undefined;
  return (event) => (built ??= withLogging(name, environmentContext(), create))(event);
}

/**
 * The handler with a Powertools logger around it: structured JSON lines keyed by the handler's name,
 * and for each event the job id and execution ARN it concerns (never the event itself, which may
 * hold addresses and subjects); a failure is logged with its error before Lambda sees it.
 */
export function withLogging(
  name: HandlerName,
  context: HandlerContext,
  create: (context: HandlerContext) => Handler,
): Handler {
  const logger = loggerFor(name, context.logLevel);
  logger.appendPersistentKeys({ handler: name });
  const handle = create(context);
  return async (event) => {
    logger.appendKeys({ ...correlationIdsOf(event) });
    try {
      const result = await handle(event);
      logger.debug('event handled');
      return result;
    } catch (error) {
      logger.error('event failed', error instanceof Error ? error : String(error));
      throw error;
    } finally {
      logger.resetKeys();
    }
  };
}

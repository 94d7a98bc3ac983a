import { loadConfig, type IntakeConfig } from '#shared/config';
import type { AwsClientSettings } from './aws-clients.ts';

/**
 * What a handler is built from: its typed configuration, how its SDK clients reach AWS and how much
 * it logs. On Lambda it comes from the environment once per execution environment; the local
 * runtime builds one per runtime, so several runtimes can live in one process.
 */
export interface HandlerContext {
  readonly config: IntakeConfig;
  readonly aws: AwsClientSettings;
  /** Powertools log level; unset, Powertools reads `POWERTOOLS_LOG_LEVEL`. */
  readonly logLevel?: string;
}

/** The context of a Lambda execution environment: configuration from its variables. */
export const environmentContext = (
  env: Record<string, string | undefined> = process.env,
): HandlerContext => ({
  config: loadConfig(env),
  aws: { s3ForcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true' },
});

export type Handler = (event: unknown) => Promise<unknown>;

/**
 * The `handler` export Lambda calls: built from the environment on the first event (so a missing
 * variable fails that event with a clear error, not the import) and kept for the environment's life.
 */
export function lambdaHandler(create: (context: HandlerContext) => Handler): Handler {
  let built: Handler | undefined;
  return (event) => (built ??= create(environmentContext()))(event);
}

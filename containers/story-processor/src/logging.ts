import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from './ports.ts';
import { redact } from './text.ts';

/** Powertools JSON logs; known secret values are redacted from messages and fields on the way out. */
export function createLog(serviceName: string, secrets: readonly string[], logLevel?: string): Log {
  const logger = new Logger({
    serviceName,
    ...(logLevel ? { logLevel: logLevel.toUpperCase() as 'INFO' } : {}),
  });
  const clean = (extra: Record<string, unknown> | undefined): Record<string, unknown> =>
    extra ? (JSON.parse(redact(JSON.stringify(extra), secrets)) as Record<string, unknown>) : {};
  return {
    debug: (message, extra) => logger.debug(redact(message, secrets), clean(extra)),
    info: (message, extra) => logger.info(redact(message, secrets), clean(extra)),
    warn: (message, extra) => logger.warn(redact(message, secrets), clean(extra)),
    error: (message, extra) => logger.error(redact(message, secrets), clean(extra)),
  };
}

export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

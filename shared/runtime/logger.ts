import { Logger } from '@aws-lambda-powertools/logger';

type LogLevel = NonNullable<ConstructorParameters<typeof Logger>[0]>['logLevel'];

/** A Powertools logger per handler; POWERTOOLS_* variables configure level and service on AWS. */
export const loggerFor = (serviceName: string, logLevel?: string): Logger =>
  new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName,
    ...(logLevel ? { logLevel: logLevel.toUpperCase() as LogLevel } : {}),
  });

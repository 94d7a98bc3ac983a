import { Logger } from '@aws-lambda-powertools/logger';

/** A Powertools logger per handler; POWERTOOLS_* variables configure level and service on AWS. */
export const loggerFor = (serviceName: string): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });

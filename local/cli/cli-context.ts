import { resolve } from 'node:path';
import type { AwsClients } from '#runtime/aws-clients.ts';
import { loadRuntimeConfig, type RuntimeConfig } from '#shared/config.ts';
import { readRuntimeInfo, type RuntimeInfo } from './runtime-info.ts';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface CliContext {
  config: RuntimeConfig & { stateMachineArn: string };
  clients: AwsClients;
  runtime: RuntimeInfo | undefined;
  dataDir: string;
}

/**
 * Finds the system to talk to: the local runtime that `intake up` started in this data folder, or
 * (with no runtime file) whatever the environment names — a deployed stack's table and state
 * machine names, with the AWS credentials and endpoint the SDK finds as usual.
 */
export async function cliContext(options: { dataDir: string; endpointUrl?: string }): Promise<CliContext> {
  const dataDir = resolve(options.dataDir);
  const runtime = await readRuntimeInfo(dataDir);
  if (runtime) {
    for (const [name, value] of Object.entries(runtime.environment)) process.env[name] ??= value;
  }
  if (options.endpointUrl) process.env.AWS_ENDPOINT_URL = options.endpointUrl;
  else if (runtime) useRuntimeCredentials(runtime.environment);
  let config: RuntimeConfig;
  try {
    config = loadRuntimeConfig(process.env);
  } catch (error) {
    throw new CliError(
      `No running system found in ${dataDir} (start one with "intake up") and the environment does not name one: ${(error as Error).message}`,
    );
  }
  if (!config.stateMachineArn) throw new CliError('STATE_MACHINE_ARN is not set');
  // Loaded here, not at start: `intake --help` and `intake up` never need the CLI's clients.
  const { createAwsClients } = await import('#runtime/aws-clients.ts');
  return {
    config: { ...config, stateMachineArn: config.stateMachineArn },
    clients: createAwsClients({ s3ForcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }),
    runtime,
    dataDir,
  };
}

/**
 * The local edge accepts only its own key pair: whatever AWS credentials the shell holds (for a
 * real account) give way to it, and a session token or profile of that account is not sent along.
 */
function useRuntimeCredentials(environment: Record<string, string>): void {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = environment;
  if (!accessKeyId || !secretAccessKey) return;
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/** Accepts an execution ARN or a bare execution (job) name. */
export const executionArnFor = (context: CliContext, nameOrArn: string): string =>
  nameOrArn.startsWith('arn:')
    ? nameOrArn
    : `${context.config.stateMachineArn.replace(':stateMachine:', ':execution:')}:${nameOrArn}`;

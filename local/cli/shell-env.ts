import { CliError } from './cli-context.ts';
import { readRuntimeInfo } from './runtime-info.ts';

/** The variables the AWS CLI and SDKs need for the running local runtime. */
const SHELL_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** `intake env`: export lines for a POSIX shell, e.g. `eval "$(npm run -s intake -- env)"`. */
export async function shellEnvironment(dataDir: string): Promise<string> {
  const runtime = await readRuntimeInfo(dataDir);
  if (!runtime) throw new CliError(`No running system found in ${dataDir} (start one with "intake up")`);
  return SHELL_VARIABLES.filter((name) => runtime.environment[name] !== undefined)
    .map((name) => `export ${name}=${shellQuote(runtime.environment[name] ?? '')}`)
    .join('\n');
}

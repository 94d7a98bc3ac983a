import { startSystem, type RunningSystem, type UpOptions } from '#local/cli/up.ts';

/** `intake up` in this process on free loopback ports, silent, no relay and no API key. */
export const startLocalSystem = (
  dataDir: string,
  options: Pick<UpOptions, 'worker' | 'maxConcurrency'>,
): Promise<RunningSystem> =>
  startSystem({
    dataDir,
    host: '127.0.0.1',
    edgePort: 0,
    smtpPort: 0,
    consolePort: 0,
    forgePort: 0,
    mailDomain: 'intake.localhost',
    relay: undefined,
    anthropicApiKey: undefined,
    log: () => undefined,
    ...options,
  });

import type { JobSettings } from '#contracts/messages.ts';
import type { SandboxPolicy } from '../ports.ts';

/** The policy when a job names none: the worker's mode, no network, the documented limits. */
export const DEFAULT_SANDBOX_POLICY: SandboxPolicy = {
  mode: 'worker',
  network: false,
  memoryMb: 2048,
  maxProcesses: 256,
};

export const sandboxPolicyOf = (settings: Pick<JobSettings, 'sandbox'>): SandboxPolicy => ({
  ...DEFAULT_SANDBOX_POLICY,
  ...settings.sandbox,
});

/** The sandbox a job asked for cannot start here: the job fails rather than run its commands bare. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

import type { JobSettings } from '#contracts/messages.ts';
import type { CommandRunner, SandboxPolicy, ValidationResult } from '../ports.ts';
import { redact, truncateMiddle } from '../text.ts';

/** Runs the project's validation commands in order, stopping at the first failure. */
export async function runValidation(input: {
  commands: JobSettings['validationCommands'];
  runner: CommandRunner;
  cwd: string;
  signal: AbortSignal;
  secrets: readonly string[];
  policy?: SandboxPolicy;
}): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for (const { name, command, timeoutSeconds } of input.commands) {
    const result = await input.runner.run({
      command,
      cwd: input.cwd,
      timeoutMs: timeoutSeconds * 1000,
      signal: input.signal,
      ...(input.policy ? { policy: input.policy } : {}),
    });
    const passed = result.exitCode === 0 && !result.timedOut;
    results.push({
      name,
      command,
      passed,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      output: redact(result.output, input.secrets),
    });
    if (!passed) break;
  }
  return results;
}

export const validationPassed = (results: readonly ValidationResult[]): boolean =>
  results.every((r) => r.passed);

/** The failing commands and their output, for a fix prompt or a failure cause. */
export function describeFailures(results: readonly ValidationResult[], maxBytes: number): string {
  const failures = results.filter((result) => !result.passed);
  const perCommand = Math.max(256, Math.floor(maxBytes / Math.max(1, failures.length)) - 200);
  return failures
    .map((result) => {
      const status = result.timedOut ? 'timed out' : `exit code ${String(result.exitCode)}`;
      return `$ ${result.command}   (${result.name}: ${status})\n${truncateMiddle(result.output.trimEnd(), perCommand)}`;
    })
    .join('\n\n');
}

/** Validation results small enough to keep in the jobs table. */
export const forRecord = (results: readonly ValidationResult[], maxOutputBytes: number): ValidationResult[] =>
  results.map((result) => ({ ...result, output: truncateMiddle(result.output, maxOutputBytes) }));

/** Every command's status and trimmed output: what `run_checks` answers and the next story sees. */
export function describeResults(results: readonly ValidationResult[], maxBytes: number): string {
  if (results.length === 0) return '(no validation commands are configured)';
  const perCommand = Math.max(256, Math.floor(maxBytes / results.length) - 200);
  return results
    .map((result) => {
      const status = result.passed
        ? 'passed'
        : result.timedOut
          ? 'timed out'
          : `failed, exit code ${String(result.exitCode)}`;
      return `$ ${result.command}   (${result.name}: ${status})\n${truncateMiddle(result.output.trimEnd(), perCommand)}`;
    })
    .join('\n\n');
}

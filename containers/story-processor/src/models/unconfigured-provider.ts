import type { ModelProvider } from '../ports.ts';

/** A job cannot run without the model the deployment requires: it fails with this, and says why. */
export class ModelNotConfiguredError extends Error {
  constructor(secretName: string) {
    super(
      `No Anthropic API key is configured for this deployment, so no story was started. An operator stores it with: aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string <key>`,
    );
    this.name = 'Model.NotConfigured';
  }
}

/**
 * The provider of a deployment that requires a real model but has no key yet: every job fails at its
 * first model call with a clear reason (and the sender gets that reason), while the worker keeps
 * running and picks the key up on its next start — no crash loop.
 */
export class UnconfiguredModelProvider implements ModelProvider {
  readonly name = 'unconfigured';

  constructor(private readonly secretName: string) {}

  plan(): Promise<never> {
    return Promise.reject(new ModelNotConfiguredError(this.secretName));
  }

  edit(): Promise<never> {
    return Promise.reject(new ModelNotConfiguredError(this.secretName));
  }
}

import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AdapterGrants } from '#contracts/grants.ts';
import type { RepositoryCredentials } from '#contracts/repository.ts';
import type { RepositoryCredentialSource } from '../ports.ts';

export interface RepositoryCredentialOptions {
  /** The variables a `{ env }` reference may name (the worker's environment, given by main). */
  environment: Readonly<Record<string, string | undefined>>;
  /** For `{ secret }` references; without it they are refused. */
  secretsManager?: SecretsManagerClient;
  /** A `{ secret }` name must start with this prefix (the worker role may read only these). */
  secretPrefix?: string;
}

/**
 * Tokens and ssh deploy keys from an environment variable, a file, or Secrets Manager, returned in
 * memory and never cached on disk. A secret may be the token or key itself, or JSON
 * `{ "token": "…" }` / `{ "privateKey": "…" }`.
 */
export class RepositoryCredentialReader implements RepositoryCredentialSource {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<RepositoryCredentialReader> = [
    { actions: ['secretsmanager:GetSecretValue'], on: 'repositorySecrets', by: ['tokenFor'] },
  ];

  constructor(private readonly options: RepositoryCredentialOptions) {}

  async tokenFor(reference: RepositoryCredentials): Promise<string> {
    const { options } = this;
    if ('env' in reference) {
      // The worker's own keys are never handed to a repository, whatever a project names.
      if (/^(AWS_|ANTHROPIC_)/.test(reference.env))
        throw new Error(
          `the environment variable ${reference.env} is the worker's own and is not a repository token`,
        );
      const value = options.environment[reference.env];
      if (!value) throw new Error(`the environment variable ${reference.env} is not set for the worker`);
      return value;
    }
    if ('file' in reference) {
      return readFile(reference.file, 'utf8').catch(() => {
        throw new Error(`the token file ${reference.file} cannot be read`);
      });
    }
    const prefix = options.secretPrefix ?? '';
    if (!options.secretsManager || !reference.secret.startsWith(prefix))
      throw new Error(`the secret ${reference.secret} is not under the repository-secret prefix "${prefix}"`);
    const result = await options.secretsManager.send(
      new GetSecretValueCommand({ SecretId: reference.secret }),
    );
    const value = result.SecretString ?? '';
    if (value.trim().startsWith('{')) {
      const parsed = JSON.parse(value) as { token?: unknown; privateKey?: unknown };
      if (typeof parsed.token === 'string') return parsed.token;
      if (typeof parsed.privateKey === 'string') return parsed.privateKey;
      throw new Error(`the secret ${reference.secret} is JSON without a "token" or "privateKey" field`);
    }
    return value;
  }
}

import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (lib/bundling.ts):
 * Lambda hands every execution environment its role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the first link of the SDK's default chain, so the
 * other links (SSO, profiles, web identity, STS, container and instance metadata) are dead weight
 * there. Everywhere else (tests, the local runtime, the CLI, the worker) the default chain is used.
 */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider =>
  fromEnv(init);

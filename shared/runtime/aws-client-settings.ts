import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * How one set of SDK clients reaches AWS. Empty on AWS: the SDK's standard configuration applies.
 * The local runtime names its own endpoint and credentials, so two runtimes can share a process.
 */
export interface AwsClientSettings {
  endpoint?: string;
  region?: string;
  /** Credentials of these clients alone; default: the SDK's provider chain. */
  credentials?: AwsCredentialIdentity;
  /** Path-style S3 URLs, needed by S3 emulators on a loopback address. */
  s3ForcePathStyle?: boolean;
}

/** The part of the settings every SDK client takes (no undefined keys: the SDK would keep them). */
export function sdkClientConfig(settings: AwsClientSettings): {
  endpoint?: string;
  region?: string;
  credentials?: AwsClientSettings['credentials'];
} {
  const { endpoint, region, credentials } = settings;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

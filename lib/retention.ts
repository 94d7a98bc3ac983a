import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

const ALLOWED = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** A CloudWatch Logs retention from a number of days; only the values CloudWatch accepts. */
export const retentionDays = (days: number): RetentionDays => {
  if (!ALLOWED.has(days) || days === RetentionDays.INFINITE) {
    throw new Error(
      `Log retention must be one of ${[...ALLOWED].filter((d) => d > 0).join(', ')} days, got ${days}`,
    );
  }
  return days as RetentionDays;
};

/**
 * How stateful resources are removed. Prod keeps them on delete and on a replacing update, but not
 * when their first create fails: RETAIN would leave a fixed-name table, bucket or log group behind
 * and the retried deploy would stop on "already exists". Other environments delete them.
 */
export const dataRemovalPolicy = (config: { readonly retainData: boolean }): RemovalPolicy =>
  config.retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;

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

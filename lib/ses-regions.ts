/**
 * Regions where SES receives email (an `inbound-smtp.<region>.amazonaws.com` endpoint), from the
 * "Email receiving endpoints" table of the SES endpoints page in the AWS General Reference
 * (https://docs.aws.amazon.com/general/latest/gr/ses.html). SES sends from more regions than it
 * receives in; a receipt rule set in any other region is accepted by CloudFormation and never fires.
 * Extend the list when AWS adds a region.
 */
export const SES_RECEIVING_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
] as const;

/** Throws, naming the regions that do, when SES cannot receive email in `region`. */
export function assertSesReceivesIn(region: string | undefined): void {
  if (region === undefined || (SES_RECEIVING_REGIONS as readonly string[]).includes(region)) return;
  throw new Error(
    `SES does not receive email in ${region}. Deploy to one of: ${SES_RECEIVING_REGIONS.join(', ')}.`,
  );
}

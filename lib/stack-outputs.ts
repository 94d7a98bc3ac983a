import { CfnOutput, type Stack } from 'aws-cdk-lib';

/** The stack outputs the smoke test (bin/smoke-aws.ts) finds a deployed system by. */
export const STACK_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  jobsTable: 'JobsTable',
  mailDomain: 'MailDomain',
} as const;

export const addStackOutputs = (stack: Stack, values: Record<keyof typeof STACK_OUTPUTS, string>): void => {
  for (const [field, key] of Object.entries(STACK_OUTPUTS) as [keyof typeof STACK_OUTPUTS, string][])
    new CfnOutput(stack, key, { value: values[field], description: `intake: ${field}` });
};

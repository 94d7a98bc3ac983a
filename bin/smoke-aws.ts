/**
 * The smoke test against an AWS endpoint: a deployed stack (by name: its outputs name the state
 * machine, the jobs table and the mail domain) or any endpoint URL with those names in the
 * environment (the local edge, with `intake env` and the runtime's variables). It sends the spec the
 * way a user's mail client does on AWS — SES `SendEmail` from an address on the stack's own mail
 * domain to a project address — so the replies come back through SES receiving, and checks them
 * there.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { UNROUTED_PROJECT } from '#contracts/tables.ts';
import { createAwsClients, type AwsClients } from '#runtime/aws-clients.ts';
import { STACK_OUTPUTS } from '../lib/stack-outputs.ts';

export interface DeployedSystem {
  /** What the report calls it: the stack name or the endpoint URL. */
  label: string;
  clients: AwsClients;
  stateMachineArn: string;
  jobsTable: string;
  mailDomain: string;
}

export interface SmokeSpec {
  to: string;
  from: string;
  subject: string;
  body: string;
  stories: number;
  /** Fail unless the job opened a pull request (a project bound to a repository with pull requests). */
  requirePullRequest: boolean;
  timeoutMs: number;
  log: (line: string) => void;
  poll: (what: string, probe: () => Promise<unknown>) => Promise<unknown>;
}

export class SmokeFailure extends Error {}

const required = (value: string | undefined, what: string): string => {
  if (!value) throw new SmokeFailure(`smoke: ${what} is not set`);
  return value;
};

/** An endpoint URL: the names come from the environment, as for the `intake` CLI. */
export const systemAtEndpoint = (endpointUrl: string, env = process.env): DeployedSystem => {
  process.env.AWS_ENDPOINT_URL = endpointUrl;
  return {
    label: endpointUrl,
    clients: createAwsClients({ s3ForcePathStyle: true }),
    stateMachineArn: required(env.STATE_MACHINE_ARN, 'STATE_MACHINE_ARN'),
    jobsTable: required(env.JOBS_TABLE, 'JOBS_TABLE'),
    mailDomain: required(env.MAIL_DOMAIN, 'MAIL_DOMAIN'),
  };
};

/** A deployed stack: its outputs name everything (lib/stack-outputs.ts). */
export const systemOfStack = async (stackName: string): Promise<DeployedSystem> => {
  const { Stacks } = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const output = (key: string) => required(outputs.get(key), `the stack output ${key} of ${stackName}`);
  return {
    label: stackName,
    clients: createAwsClients(),
    stateMachineArn: output(STACK_OUTPUTS.stateMachineArn),
    jobsTable: output(STACK_OUTPUTS.jobsTable),
    mailDomain: output(STACK_OUTPUTS.mailDomain),
  };
};

interface JobItem {
  sk: string;
  outcome?: string;
  subject?: string;
  executionArn?: string;
  summary?: { commits?: unknown[] };
  pullRequest?: { url?: string };
}

async function jobsWithSubject(system: DeployedSystem, project: string, subject: string): Promise<JobItem[]> {
  const found: JobItem[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await system.clients.documents.send(
      new QueryCommand({
        TableName: system.jobsTable,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#subject = :subject',
        ExpressionAttributeNames: { '#subject': 'subject' },
        ExpressionAttributeValues: { ':pk': project, ':subject': subject },
        ExclusiveStartKey,
      }),
    );
    found.push(...((page.Items ?? []) as JobItem[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return found;
}

/** The project of a `<project>.<user>[+tag]@domain` address. */
const projectOf = (address: string): string => address.split('@')[0]?.split('.')[0] ?? '';

export async function smokeDeployed(system: DeployedSystem, spec: SmokeSpec): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const project = projectOf(spec.to);

  const sent = await system.clients.ses.send(
    new SendEmailCommand({
      FromEmailAddress: spec.from,
      Destination: { ToAddresses: [spec.to] },
      Content: { Simple: { Subject: { Data: spec.subject }, Body: { Text: { Data: spec.body } } } },
    }),
  );
  spec.log(`sent       ${elapsed()}  SES message ${sent.MessageId ?? '?'} to ${spec.to} on ${system.label}`);

  const job = (await spec.poll('the job of the email', async () => {
    const [item] = await jobsWithSubject(system, project, spec.subject);
    return item?.executionArn ? item : undefined;
  })) as JobItem;
  spec.log(`execution  ${elapsed()}  ${job.sk}`);

  const status = (await spec.poll('the execution to end', async () => {
    const execution = await system.clients.sfn.send(
      new DescribeExecutionCommand({ executionArn: job.executionArn }),
    );
    return execution.status === 'RUNNING' ? undefined : execution.status;
  })) as string;
  spec.log(`finished   ${elapsed()}  ${status}`);
  if (status !== 'SUCCEEDED') throw new SmokeFailure(`smoke: the execution ended ${status}`);

  const [done] = await jobsWithSubject(system, project, spec.subject);
  if (done?.outcome !== 'succeeded') throw new SmokeFailure(`smoke: the job outcome is ${done?.outcome}`);
  const commits = done.summary?.commits?.length ?? 0;
  if (commits !== spec.stories)
    throw new SmokeFailure(`smoke: ${commits} commits for ${spec.stories} stories`);
  const pullRequest = done.pullRequest?.url;
  if (spec.requirePullRequest && !pullRequest) throw new SmokeFailure('smoke: no pull request was opened');
  spec.log(`commits    ${elapsed()}  ${commits}${pullRequest ? `, pull request ${pullRequest}` : ''}`);

  // The acknowledgement and the final reply go to the sender, an address on the mail domain: SES
  // receives them like any mail, and the workflow records them (auto-replies, never answered).
  const replySubject = `Re: ${spec.subject}`;
  const replies = (await spec.poll('the acknowledgement and the final reply', async () => {
    const found = await jobsWithSubject(system, UNROUTED_PROJECT, replySubject);
    return found.length >= 2 ? found : undefined;
  })) as JobItem[];
  spec.log(
    `replies    ${elapsed()}  ${replies.length} received back (${replies.map((r) => r.outcome).join(', ')})`,
  );
  spec.log(`smoke test passed in ${elapsed()}`);
}

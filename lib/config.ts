import type { Node } from 'constructs';
import { assertSesReceivesIn } from './ses-regions.ts';

/** The deployment environments; each is a separate set of stacks named `intake-<env>-…`. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** The worker's (ECS Fargate) part of the deploy settings. */
export interface WorkerSettings {
  /**
   * The fewest story-processing tasks kept running. Zero is allowed: the service scales out from zero
   * when a project queue has a backlog (expect a few minutes for the first task to start).
   * @default dev 0, staging 0, prod 1
   */
  readonly minCapacity: number;
  /**
   * The most tasks the backlog can scale out to.
   * @default dev 2, staging 4, prod 10
   */
  readonly maxCapacity: number;
  /** Jobs one task runs at once (the worker's WORKER_MAX_CONCURRENCY). @default 2 */
  readonly jobsPerTask: number;
  /** Fargate CPU units. @default 1024 */
  readonly cpu: number;
  /** Fargate memory in MiB. @default 2048 */
  readonly memoryMiB: number;
  /**
   * Task-local (ephemeral) storage in GiB, 21–200, where every project's repository cache and thread
   * worktrees live (REMOTE_WORKSPACE_ROOT). Above Fargate's free 20 GiB it is billed per GB-hour.
   * @default 50
   */
  readonly ephemeralStorageGiB?: number;
}

/**
 * The deploy settings: everything that differs between environments, built by
 * {@link resolveDeploySettings} from CDK context. What the deployed code reads at run time is the
 * RuntimeConfig of shared/config.ts, which the stack sets from these.
 */
export interface DeploySettings {
  /** dev, staging or prod (context `env`). @default dev */
  readonly envName: EnvironmentName;
  /** Prefix of every stack and physical name: `intake-<env>`. */
  readonly prefix: string;
  /**
   * Domains that receive mail (context `mailDomains`, comma separated). The first one is the sender
   * domain for replies (`MAIL_DOMAIN`). Each must be a verified SES identity with an MX record
   * pointing at SES inbound. Required for staging and prod.
   * @default dev: ['intake-dev.example.com']
   */
  readonly mailDomains: readonly string[];
  /**
   * Name prefix of the per project-user SQS queues that claim-job creates at run time
   * (`QUEUE_PREFIX`, at most 24 characters). IAM grants are scoped to `<queuePrefix>-*`.
   * @default `intake-<env>`
   */
  readonly queuePrefix: string;
  /** Keep data on stack deletion (RETAIN, deletion protection, termination protection). @default prod only */
  readonly retainData: boolean;
  /** Where alarms are emailed (context `alarmEmail`). @default no subscription */
  readonly alarmEmail?: string;
  /**
   * Secrets Manager secret name holding the Anthropic API key (context `anthropicSecretName`). The
   * secret is created outside CDK so that its value never appears in a template.
   * @default `intake/<env>/anthropic-api-key`
   */
  readonly anthropicSecretName: string;
  /**
   * Name prefix of the Secrets Manager secrets that hold project repository tokens (context
   * `repositorySecretPrefix`). The worker role may read only secrets under it, and a project's
   * `repository.credentials.secret` must start with it.
   * @default `intake/<env>/repositories/`
   */
  readonly repositorySecretPrefix: string;
  /** Worker capacity (context `workerMinCapacity`, `workerMaxCapacity`). */
  readonly worker: WorkerSettings;
  /** Retention of every log group, in days. @default dev 14, staging 30, prod 365 */
  readonly logRetentionDays: number;
  /** NAT gateways of the worker VPC (context `natGateways`). @default dev 1, staging 1, prod 2 */
  readonly natGateways: number;
  /** Folder with one `<handler>/handler.ts` per Lambda. @default 'lambdas' */
  readonly lambdaRoot: string;
  /**
   * Docker build context of the story-processing worker: the repository root, because the worker
   * shares contracts and domain code with the Lambdas. @default '.'
   */
  readonly workerBuildContext: string;
  /** The worker's Dockerfile, relative to the build context. @default 'containers/story-processor/Dockerfile' */
  readonly workerDockerfile: string;
  /** The ASL file deployed as the state machine. @default 'statemachines/email-processor.asl.json' */
  readonly stateMachineDefinitionFile: string;
  /**
   * Account and region; from context `account`/`region`, else the CLI's defaults, else unresolved.
   * The region must be one where SES receives email (lib/ses-regions.ts): synth fails otherwise.
   */
  readonly account?: string;
  readonly region?: string;
}

const DEFAULTS: Record<
  EnvironmentName,
  Pick<DeploySettings, 'retainData' | 'logRetentionDays' | 'natGateways'> & { worker: WorkerSettings }
> = {
  dev: {
    retainData: false,
    logRetentionDays: 14,
    natGateways: 1,
    worker: { minCapacity: 0, maxCapacity: 2, jobsPerTask: 2, cpu: 1024, memoryMiB: 2048 },
  },
  staging: {
    retainData: false,
    logRetentionDays: 30,
    natGateways: 1,
    worker: { minCapacity: 0, maxCapacity: 4, jobsPerTask: 2, cpu: 1024, memoryMiB: 2048 },
  },
  prod: {
    retainData: true,
    logRetentionDays: 365,
    natGateways: 2,
    worker: { minCapacity: 1, maxCapacity: 10, jobsPerTask: 2, cpu: 1024, memoryMiB: 2048 },
  },
};

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const text = (node: Node, key: string): string | undefined => {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  throw new Error(`Context ${key} must be a string, number or list`);
};

const wholeNumber = (node: Node, key: string, fallback: number): number => {
  const raw = text(node, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`Context ${key} must be a whole number ≥ 0, got "${raw}"`);
  return value;
};

/**
 * Reads the configuration from CDK context (`-c key=value` or cdk.json) with per-environment
 * defaults, and checks it. Environment variables are read only for the account and region.
 */
export const resolveDeploySettings = (
  node: Node,
  env: Record<string, string | undefined> = process.env,
): DeploySettings => {
  const envName = text(node, 'env') ?? 'dev';
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envName)) {
    throw new Error(`Context env must be one of ${ENVIRONMENT_NAMES.join(', ')}, got "${envName}"`);
  }
  const name = envName as EnvironmentName;
  const defaults = DEFAULTS[name];
  const prefix = `intake-${name}`;

  const domains = (text(node, 'mailDomains') ?? (name === 'dev' ? 'intake-dev.example.com' : ''))
    .split(',')
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain.length > 0);
  if (domains.length === 0)
    throw new Error(`Context mailDomains is required for ${name} (comma-separated domains)`);
  for (const domain of domains) if (!DOMAIN.test(domain)) throw new Error(`Not a domain name: "${domain}"`);

  const queuePrefix = text(node, 'queuePrefix') ?? prefix;
  if (!/^[a-z0-9-]{1,24}$/.test(queuePrefix))
    throw new Error('Context queuePrefix must be 1-24 characters of a-z, 0-9 and "-"');

  const worker: WorkerSettings = {
    ...defaults.worker,
    minCapacity: wholeNumber(node, 'workerMinCapacity', defaults.worker.minCapacity),
    maxCapacity: wholeNumber(node, 'workerMaxCapacity', defaults.worker.maxCapacity),
  };
  if (worker.maxCapacity < Math.max(1, worker.minCapacity)) {
    throw new Error('workerMaxCapacity must be at least 1 and at least workerMinCapacity');
  }

  const alarmEmail = text(node, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))
    throw new Error(`Not an email address: "${alarmEmail}"`);

  const region = text(node, 'region') ?? env.CDK_DEFAULT_REGION;
  assertSesReceivesIn(region);

  return {
    envName: name,
    prefix,
    mailDomains: domains,
    queuePrefix,
    retainData: defaults.retainData,
    alarmEmail,
    anthropicSecretName: text(node, 'anthropicSecretName') ?? `intake/${name}/anthropic-api-key`,
    repositorySecretPrefix: repositorySecretPrefixOf(
      text(node, 'repositorySecretPrefix') ?? `intake/${name}/repositories/`,
    ),
    worker,
    logRetentionDays: wholeNumber(node, 'logRetentionDays', defaults.logRetentionDays),
    natGateways: wholeNumber(node, 'natGateways', defaults.natGateways),
    lambdaRoot: text(node, 'lambdaRoot') ?? 'lambdas',
    workerBuildContext: text(node, 'workerBuildContext') ?? '.',
    workerDockerfile: text(node, 'workerDockerfile') ?? 'containers/story-processor/Dockerfile',
    stateMachineDefinitionFile: 'statemachines/email-processor.asl.json',
    account: text(node, 'account') ?? env.CDK_DEFAULT_ACCOUNT,
    region,
  };
};

/** A prefix that cannot widen the grant: secret-name characters only, ending in "/", no wildcard. */
function repositorySecretPrefixOf(prefix: string): string {
  if (!/^[A-Za-z0-9/_+=.@-]{2,400}\/$/.test(prefix))
    throw new Error(
      `repositorySecretPrefix must be secret-name characters ending in "/" (like "intake/prod/repositories/"), not "${prefix}"`,
    );
  return prefix;
}

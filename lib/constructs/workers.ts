import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, IgnoreMode, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BACKLOG_METRICS } from '#contracts/metrics.ts';
import { MODEL_KEY_PLACEHOLDER, MODEL_KEY_SECRET_ENV } from '#contracts/model-key.ts';
import type { DeploySettings, WorkerSettings } from '../config.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '#contracts/metrics.ts';
import { dataRemovalPolicy, retentionDays } from '../retention.ts';
import { grantResources, grantStatements, handlerGrants, workerGrants } from '../grants.ts';
import { HandlerFunction } from './handler-function.ts';
import type { StateAndQueues } from './state-and-queues.ts';
import { sesIdentityArns } from './workflow.ts';

/** The folder on the EFS file system that the access point exposes (the durable workspace root). */
export const WORKSPACE_PATH = '/workspaces';
/**
 * Where the worker mounts it (WORKSPACE_ROOT): the bare repositories of projects without a repository.
 * Its parent is a root-only (0700) folder of the image, because an EFS access point answers every
 * client uid as its own POSIX user, so no mode on EFS keeps a lent sandbox uid out; the parent does.
 */
export const WORKSPACE_MOUNT_PATH = '/durable/workspaces';
/**
 * Task-local storage for every project's partial-clone cache and thread worktrees: the uid sandbox
 * must chown a worktree to lend it, which an EFS access point refuses, and the pushed branch (on the
 * project's remote, or its bare repository on EFS) is the checkpoint, so nothing is lost with the task.
 */
export const REMOTE_WORKSPACE_PATH = '/scratch/workspaces';
/** The POSIX user the EFS access point enforces; the image's non-root user must have this uid/gid. */
export const WORKER_UID = '10001';

/**
 * The worker image, built by CDK at deploy time (never at synth) from the repository root with the
 * worker's Dockerfile. Only the files its `<Dockerfile>.dockerignore` lets in are staged, so synth
 * neither copies node_modules nor depends on unrelated files.
 */
export const workerImage = (config: DeploySettings): ecs.ContainerImage => {
  const dockerfile = path.join(config.workerBuildContext, config.workerDockerfile);
  if (!existsSync(dockerfile)) throw new Error(`The worker Dockerfile is missing: ${dockerfile}`);
  const ignoreFile = `${dockerfile}.dockerignore`;
  const exclude = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('#'))
    : ['node_modules', 'cdk.out', '.git'];
  return ecs.ContainerImage.fromAsset(config.workerBuildContext, {
    file: config.workerDockerfile,
    platform: Platform.LINUX_ARM64,
    exclude,
    ignoreMode: IgnoreMode.DOCKER,
  });
};

/**
 * Exact task counts for the number of jobs: enough tasks for every job at `jobsPerTask` each,
 * between the minimum and the maximum capacity. The job count is a whole number, so the boundaries
 * sit half-way between two counts (0.5, 2.5, …): the alarms CDK derives from the lowest and the
 * highest boundary can never be in alarm at the same count.
 */
export function capacitySteps(
  worker: Pick<WorkerSettings, 'minCapacity' | 'maxCapacity' | 'jobsPerTask'>,
): appscaling.ScalingInterval[] {
  const steps: appscaling.ScalingInterval[] = [{ upper: 0.5, change: worker.minCapacity }];
  for (let tasks = 1; tasks <= worker.maxCapacity; tasks++) {
    const lower = (tasks - 1) * worker.jobsPerTask + 0.5;
    const change = Math.max(tasks, worker.minCapacity);
    steps.push(
      tasks === worker.maxCapacity ? { lower, change } : { lower, upper: lower + worker.jobsPerTask, change },
    );
  }
  return steps;
}

/** The queue-backlog function's metric of this environment (see lambdas/queue-backlog). */
export const backlogMetric = (
  config: Pick<DeploySettings, 'queuePrefix'>,
  metricName: string,
  period: Duration,
): cloudwatch.Metric =>
  new cloudwatch.Metric({
    namespace: BACKLOG_METRICS.namespace,
    metricName,
    dimensionsMap: { [BACKLOG_METRICS.dimension]: config.queuePrefix },
    statistic: 'Maximum',
    period,
  });

export interface WorkersProps {
  readonly config: DeploySettings;
  readonly state: StateAndQueues;
  readonly mailBucket: s3.IBucket;
  /** The variables of shared/config.ts. */
  readonly environment: Record<string, string>;
}

/**
 * The story-processing workers: an ECS cluster (Container Insights on) running an ARM64 Fargate
 * service from `containers/story-processor`, in private subnets, with the Anthropic key injected from
 * Secrets Manager, the bare repositories of projects without a repository on an encrypted EFS file
 * system (they survive a task; clones and worktrees are task-local), and a task count that follows the jobs waiting in or held from the project queues, down
 * to a configurable minimum that may be zero.
 */
export class Workers extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly fileSystem: efs.FileSystem;
  readonly logGroup: logs.LogGroup;
  /** Visible messages over every `<queuePrefix>-input-*` queue. */
  readonly backlog: cloudwatch.MathExpression;
  /** Publishes the run-time queues' totals every minute (the scaling and DLQ alarm metrics). */
  readonly backlogFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    const { config, state, mailBucket } = props;
    const removalPolicy = dataRemovalPolicy(config);
    const privateSubnets = config.natGateways > 0;

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: retentionDays(config.logRetentionDays),
      removalPolicy,
    });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        ...(privateSubnets
          ? [{ name: 'workers', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }]
          : []),
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });
    const subnets: ec2.SubnetSelection = {
      subnetType: privateSubnets ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC,
    };

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: `${config.prefix}-workers`,
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.fileSystem = new efs.FileSystem(this, 'Workspaces', {
      vpc: this.vpc,
      vpcSubnets: subnets,
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      enableAutomaticBackups: config.retainData,
      removalPolicy,
    });
    const accessPoint = this.fileSystem.addAccessPoint('WorkerAccess', {
      path: WORKSPACE_PATH,
      createAcl: { ownerUid: WORKER_UID, ownerGid: WORKER_UID, permissions: '750' },
      posixUser: { uid: WORKER_UID, gid: WORKER_UID },
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/ecs/${config.prefix}-story-processor`,
      retention: retentionDays(config.logRetentionDays),
      removalPolicy,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: `${config.prefix}-story-processor`,
      cpu: config.worker.cpu,
      memoryLimitMiB: config.worker.memoryMiB,
      ephemeralStorageGiB: config.worker.ephemeralStorageGiB ?? 50,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [
        // A bind mount on the task's ephemeral storage (no host path): gone with the task.
        { name: 'scratch' },
        {
          name: 'workspaces',
          efsVolumeConfiguration: {
            fileSystemId: this.fileSystem.fileSystemId,
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
          },
        },
      ],
    });

    // Owned by the stack and created with a placeholder, so the service can start on the first deploy;
    // an operator stores the real key later (README). The worker treats the placeholder as no key.
    const anthropicKey = new secretsmanager.Secret(this, 'AnthropicApiKey', {
      secretName: config.anthropicSecretName,
      description: `${config.prefix}: the Anthropic API key of the story-processing workers`,
      secretStringValue: SecretValue.unsafePlainText(MODEL_KEY_PLACEHOLDER),
      removalPolicy,
    });
    Validations.of(anthropicKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A third-party API key: Secrets Manager cannot rotate it (Anthropic issues keys in its own console); the operator replaces it with put-secret-value.',
    });
    this.container = this.taskDefinition.addContainer('Worker', {
      containerName: 'story-processor',
      image: workerImage(config),
      // A hard limit on the container too (Control Tower ECS.PR.7): the task's whole memory.
      memoryLimitMiB: config.worker.memoryMiB,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: this.logGroup }),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.envName === 'prod' ? 'INFO' : 'DEBUG',
        WORKSPACE_ROOT: WORKSPACE_MOUNT_PATH,
        REMOTE_WORKSPACE_ROOT: REMOTE_WORKSPACE_PATH,
        REPOSITORY_CREDENTIALS_PREFIX: config.repositorySecretPrefix,
        WORKER_MAX_CONCURRENCY: String(config.worker.jobsPerTask),
        // Fargate refuses the namespaces bubblewrap needs: validation commands run under lent
        // unprivileged uids instead, with no network cut of their own (the task's egress rules are
        // the fence). See containers/story-processor/README.md, "Sandbox".
        SANDBOX_MODE: 'uid',
        SANDBOX_UID_NETWORK: 'accept',
        [MODEL_KEY_SECRET_ENV]: config.anthropicSecretName,
      },
      secrets: { ANTHROPIC_API_KEY: ecs.Secret.fromSecretsManager(anthropicKey) },
      // The uid sandbox switches each validation command to a lent uid, which needs the worker to
      // start as root; every capability it does not use is dropped (Fargate can only drop, not add).
      user: '0',
      linuxParameters: sandboxLinuxParameters(this),
      // Fargate's maximum: time to checkpoint, report and stop at a safe point after SIGTERM.
      stopTimeout: Duration.seconds(120),
    });
    this.container.addMountPoints(
      { sourceVolume: 'workspaces', containerPath: WORKSPACE_MOUNT_PATH, readOnly: false },
      { sourceVolume: 'scratch', containerPath: path.posix.dirname(REMOTE_WORKSPACE_PATH), readOnly: false },
    );
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "The environment holds only non-secret configuration (table, bucket and queue names, mail domain, Powertools settings). The one secret, the Anthropic API key, is injected from Secrets Manager through the task definition's secrets, never as a plain variable.",
    });

    const taskRole = this.taskDefinition.taskRole;
    // Repository tokens: only the secrets under the prefix (a secret ARN ends in a random suffix).
    const repositorySecrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${config.repositorySecretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // What the worker's adapters declare (containers/story-processor/src/worker-dependencies.ts).
    grantStatements(
      taskRole,
      workerGrants(
        grantResources(state, mailBucket, sesIdentityArns(this, config.mailDomains), { repositorySecrets }),
      ),
    );
    // Mounting the workspaces is not an SDK call: the file system grants it.
    this.fileSystem.grant(taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite');
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Added by CDK for pulling the image: ecr:GetAuthorizationToken has no resource-level permissions; image layers are pulled only from this stack's asset repository (separate, scoped statement).",
    });

    const securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: this.vpc,
      description:
        'Story-processing workers: no inbound; outbound HTTPS to AWS APIs and the model API, NFS to EFS',
      allowAllOutbound: true,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: `${config.prefix}-story-processor`,
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      vpcSubnets: subnets,
      assignPublicIp: !privateSubnets,
      securityGroups: [securityGroup],
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      // Created with no task: the first deploy never waits on (or rolls back for) a task start; scaling
      // sets the count from the jobs, and CloudFormation leaves it alone while this value is unchanged.
      desiredCount: 0,
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.fileSystem.connections.allowDefaultPortFrom(this.service, 'workers mount the workspaces');

    // Queues appear at run time, where no alarm can follow them: a scheduled function measures them.
    this.backlogFunction = new HandlerFunction(this, 'QueueBacklog', {
      config,
      name: 'queue-backlog',
      environment: props.environment,
    });
    this.backlogFunction.allowAll(handlerGrants('queue-backlog', grantResources(state, mailBucket, [])));
    Validations.of(this.backlogFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" only where the action has no resource-level permissions: xray:PutTraceSegments/PutTelemetryRecords (active tracing), sqs:ListQueues (listed by this environment\'s name prefix; depths are read only from prefix-scoped queues) and cloudwatch:PutMetricData (restricted by the cloudwatch:namespace condition to the Intake namespace).',
    });
    new events.Rule(this, 'EveryMinute', {
      description: `Measure the ${config.queuePrefix} project queues for scaling and alarms`,
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.backlogFunction.live, { retryAttempts: 0 })],
    });
    this.backlog = new cloudwatch.MathExpression({
      label: 'Jobs waiting for or held by a worker',
      expression: 'waiting + running',
      usingMetrics: {
        waiting: backlogMetric(config, BACKLOG_METRICS.waitingJobs, Duration.minutes(1)),
        running: backlogMetric(config, BACKLOG_METRICS.runningJobs, Duration.minutes(1)),
      },
      period: Duration.minutes(1),
    });
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: config.worker.minCapacity,
      maxCapacity: config.worker.maxCapacity,
    });
    // The task count follows the jobs there are (waiting plus running), never a running job's
    // absence from the queue: a busy worker is not scaled in just because nothing waits.
    scaling.scaleOnMetric('ScaleOnJobs', {
      metric: this.backlog,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      scalingSteps: capacitySteps(config.worker),
      evaluationPeriods: 2,
      cooldown: Duration.minutes(1),
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    });
  }
}

/**
 * The capabilities the uid sandbox uses as root: CHOWN (lend the worktree), SETUID/SETGID (switch to
 * the lent uid), SETPCAP (empty the command's bounding set), KILL (kill a command's leftovers),
 * DAC_OVERRIDE (take back files a command made private). Docker's other defaults are dropped.
 */
function sandboxLinuxParameters(scope: Construct): ecs.LinuxParameters {
  const parameters = new ecs.LinuxParameters(scope, 'WorkerLinux');
  parameters.dropCapabilities(
    ecs.Capability.AUDIT_WRITE,
    ecs.Capability.FOWNER,
    ecs.Capability.FSETID,
    ecs.Capability.MKNOD,
    ecs.Capability.NET_BIND_SERVICE,
    ecs.Capability.NET_RAW,
    ecs.Capability.SETFCAP,
    ecs.Capability.SYS_CHROOT,
  );
  return parameters;
}

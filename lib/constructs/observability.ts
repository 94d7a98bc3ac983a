import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DeploySettings } from '../config.ts';
import {
  BACKLOG_METRICS,
  METRICS,
  METRICS_NAMESPACE,
  OUTCOME_DIMENSION,
  POWERTOOLS_SERVICE_NAME,
  SERVICE_DIMENSION,
  type MetricContract,
} from '#contracts/metrics.ts';
import { FINAL_OUTCOMES } from '#contracts/tables.ts';
import type { HandlerFunction } from './handler-function.ts';
import { backlogMetric, type Workers } from './workers.ts';

export interface ObservabilityProps {
  readonly config: DeploySettings;
  readonly stateMachine: sfn.StateMachine;
  readonly executionLogs: logs.ILogGroup;
  readonly functions: readonly HandlerFunction[];
  readonly workers: Workers;
  /** The intake Lambda's failure destination: S3 events that started no execution. */
  readonly intakeFailures: sqs.IQueue;
}

/**
 * Alarms to an encrypted, TLS-only SNS topic, and one dashboard. Alarms: failed and timed-out
 * executions, any message in a dead-letter queue, worker heartbeat timeouts (the workflow's
 * `Job.TimedOut` failures, counted from the execution log), and Lambda errors and throttles per
 * function. The dashboard and alarms read the metrics of the contract (shared/contracts/metrics.ts).
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Each function's error alarm, which also rolls back its gradual deployment (lambda-canary.ts). */
  readonly functionErrorAlarms = new Map<HandlerFunction, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, stateMachine, workers } = props;

    // CloudWatch alarms can publish to an encrypted topic only with a customer managed key that
    // lets CloudWatch use it (the AWS managed aws/sns key cannot grant that).
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${config.prefix} alarm topic encryption`,
      enableKeyRotation: true,
      alias: `alias/${config.prefix}-alarms`,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', {
      topicName: `${config.prefix}-alarms`,
      displayName: `intake ${config.envName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const alarm = (alarmId: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        ...props,
        alarmName: `${config.prefix}-${props.alarmName ?? alarmId}`,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };
    const anyInFiveMinutes = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };

    alarm('ExecutionsFailed', {
      ...anyInFiveMinutes,
      alarmDescription:
        'An email-processor execution failed (job failure, lease unavailable or worker timeout). Inspect it with aws stepfunctions list-executions --status-filter FAILED.',
      metric: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
    });
    alarm('ExecutionsTimedOut', {
      ...anyInFiveMinutes,
      alarmDescription: 'An email-processor execution hit its state-machine timeout.',
      metric: stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
    });

    alarm('IntakeFailures', {
      ...anyInFiveMinutes,
      alarmDescription:
        'An S3 event for a stored email failed the intake Lambda three times; the email is in S3 without an execution. The event is in the intake-failures queue for replay.',
      metric: props.intakeFailures.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
    });

    const heartbeatTimeouts = new logs.MetricFilter(this, 'HeartbeatTimeoutFilter', {
      logGroup: props.executionLogs,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
        logs.FilterPattern.stringValue('$.details.error', '=', 'Job.TimedOut'),
      ),
      metricNamespace: METRICS_NAMESPACE,
      metricName: METRICS.workerHeartbeatTimeouts.name,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    alarm('WorkerHeartbeatTimeouts', {
      ...anyInFiveMinutes,
      alarmDescription:
        'A worker stopped sending heartbeats or ran past the job time limit (Job.TimedOut); the job went to its dead-letter queue.',
      metric: heartbeatTimeouts.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
    });

    alarm('DeadLetterMessages', {
      ...anyInFiveMinutes,
      alarmDescription: `A message is waiting in a ${config.queuePrefix}-dlq-* queue. Inspect with aws sqs list-queues --queue-name-prefix ${config.queuePrefix}-dlq-`,
      metric: backlogMetric(config, BACKLOG_METRICS.deadLetterMessages, Duration.minutes(5)),
    });

    for (const handler of props.functions) {
      const fn = handler.function;
      const name = handler.node.id;
      const errors = alarm(`${name}Errors`, {
        ...anyInFiveMinutes,
        alarmDescription: `The ${name} Lambda returned errors (during a deployment, CodeDeploy rolls its live alias back).`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      });
      this.functionErrorAlarms.set(handler, errors);
      alarm(`${name}Throttles`, {
        ...anyInFiveMinutes,
        alarmDescription: `The ${name} Lambda was throttled.`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      });
    }

    const custom = (metric: MetricContract, statistic = 'Sum', extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: metric.name,
        dimensionsMap: { [SERVICE_DIMENSION]: POWERTOOLS_SERVICE_NAME, ...extra },
        statistic,
        period: Duration.minutes(5),
      });
    const rate = (id: string, label: string, good: MetricContract, bad: MetricContract) =>
      new cloudwatch.MathExpression({
        label,
        expression: `100 * ${id}Good / (${id}Good + ${id}Bad)`,
        usingMetrics: { [`${id}Good`]: custom(good), [`${id}Bad`]: custom(bad) },
        period: Duration.hours(1),
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${config.prefix}-overview`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Emails received',
        left: [custom(METRICS.emailsReceived)],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs by outcome',
        left: FINAL_OUTCOMES.map((outcome) =>
          custom(METRICS.jobsCompleted, 'Sum', { [OUTCOME_DIMENSION]: outcome }).with({ label: outcome }),
        ),
        stacked: true,
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Story duration (ms)',
        left: [
          custom(METRICS.storyDurationMs, 'p50').with({ label: 'p50' }),
          custom(METRICS.storyDurationMs, 'p90').with({ label: 'p90' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Validation pass rate and auto-fix success rate (%)',
        left: [
          rate('validation', 'Validation passed %', METRICS.validationPassed, METRICS.validationFailed),
          rate('autofix', 'Auto-fix succeeded %', METRICS.autoFixSucceeded, METRICS.autoFixFailed),
        ],
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Per job: stories committed, model tokens (right) and cost in USD',
        left: [
          custom(METRICS.storiesPerJob, 'Average').with({ label: 'stories per job (avg)' }),
          custom(METRICS.costPerJob, 'Average').with({ label: 'cost per job (avg, USD)' }),
          custom(METRICS.costPerJob, 'Sum').with({ label: 'cost (sum, USD)' }),
        ],
        right: [custom(METRICS.tokensPerJob, 'Average').with({ label: 'tokens per job (avg)' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Executions',
        left: [
          stateMachine.metricStarted({ period: Duration.minutes(5) }),
          stateMachine.metricSucceeded({ period: Duration.minutes(5) }),
          stateMachine.metricFailed({ period: Duration.minutes(5) }),
          stateMachine.metricTimedOut({ period: Duration.minutes(5) }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Timeouts, interrupts and dead letters',
        left: [
          custom(METRICS.jobsTimedOut).with({ label: 'JobsTimedOut (handle-timeout)' }),
          heartbeatTimeouts.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
          backlogMetric(config, BACKLOG_METRICS.deadLetterMessages, Duration.minutes(5)),
        ],
        right: [custom(METRICS.interruptLatencyMs, 'p90').with({ label: 'interrupt latency p90 (ms)' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue backlog per project queue',
        left: [
          new cloudwatch.MathExpression({
            label: '',
            expression: `SEARCH('{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" QueueName="${config.queuePrefix}-"', 'Maximum', 60)`,
            usingMetrics: {},
            period: Duration.minutes(1),
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Workers',
        left: [workers.backlog],
        right: [
          new cloudwatch.Metric({
            namespace: 'ECS/ContainerInsights',
            metricName: 'RunningTaskCount',
            dimensionsMap: {
              ClusterName: workers.cluster.clusterName,
              ServiceName: workers.service.serviceName,
            },
            statistic: 'Average',
            period: Duration.minutes(1),
          }),
        ],
        width: 12,
      }),
    );
  }
}

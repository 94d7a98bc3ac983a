import { readFile } from 'node:fs/promises';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { parseProject, type ProjectInput } from '#domain/project-config.ts';
import { createAwsClients, type AwsClients, type AwsClientSettings } from '#runtime/aws-clients.ts';
import type { HandlerContext } from '#runtime/handler-context.ts';
import { ENV, type RuntimeConfig } from '#shared/config.ts';
import { EMAIL_PREFIX } from '#workflow/start-email-execution.ts';
import { startEmulators, type Emulators, type S3EventRecord } from './emulators/index.ts';
import type { LocalCredentials } from './edge/index.ts';
import type { OutboxEntry } from './outbox/outbox.ts';
import type { SmtpRelayConfig } from './outbox/relay.ts';
import type { LocalReceiving } from './outbox/ses-handler.ts';
import { localDefinitionSubstitutions, createLocalLambdaInvoker, LOCAL_REGION } from './lambda-functions.ts';
import { provisionLocalResources } from './provision.ts';
import { startSmtpFrontDoor, type SmtpFrontDoor } from './smtp/smtp-front-door.ts';
import type { LocalVerdicts } from './smtp/ses-headers.ts';
import { createStepFunctionsHandler, StepFunctionsService } from './stepfunctions/index.ts';
import type { RequestHandler } from './stepfunctions/index.ts';

export const STATE_MACHINE_FILE = new URL('../statemachines/email-processor.asl.json', import.meta.url);

export interface LocalRuntimeOptions {
  /** Everything the runtime keeps lives here; a restart with the same folder loses nothing. */
  dataDir: string;
  /** A loopback address or name (default 127.0.0.1). */
  host?: string;
  /** The one AWS endpoint (default 4566; 0 picks a free port). */
  edgePort?: number;
  /** The SMTP front door (default 2525; 0 picks a free port; null leaves it off). */
  smtpPort?: number | null;
  /** The key pair the edge accepts; default: the data folder's own (credentials.json). */
  credentials?: LocalCredentials;
  mailDomain?: string;
  /** Names every resource: `${prefix}-mail`, `${prefix}-jobs`, queues `${prefix}-input-…`. */
  prefix?: string;
  maxMessageBytes?: number;
  verdicts?: Partial<LocalVerdicts>;
  /** Projects created when the registry is empty (the demo project on a first start). */
  seedProjects?: ProjectInput[];
  onOutboxMessage?: (entry: OutboxEntry) => void;
  /** Also deliver every reply to this SMTP server (the outbox keeps a copy either way). */
  relay?: SmtpRelayConfig;
  /** The Powertools log level of the handlers (default WARN: their logs would drown the runtime's). */
  handlerLogLevel?: string;
  /** Reports what the runtime does in the background (intake failures and such). */
  log?: (message: string) => void;
}

export interface LocalRuntime {
  endpoint: string;
  smtpPort: number | undefined;
  config: RuntimeConfig & { stateMachineArn: string };
  clients: AwsClients;
  stepFunctions: StepFunctionsService;
  emulators: Emulators;
  /** The environment a process needs to talk to this runtime with the AWS SDK or CLI. */
  environment: Record<string, string>;
  stop(): Promise<void>;
}

export const DEFAULT_MAIL_DOMAIN = 'intake.localhost';
const DEFAULT_PREFIX = 'intake';
const DELIVERY_ATTEMPTS = 3;
const ENDED_WITHOUT_SUCCESS = new Set(['ABORTED', 'TIMED_OUT', 'FAILED']);

/** The configuration the handlers read, for resources named with this prefix. */
export function localConfig(prefix: string, mailDomain: string): RuntimeConfig {
  return {
    mailBucket: `${prefix}-mail`,
    jobsTable: `${prefix}-jobs`,
    activeJobsTable: `${prefix}-active-jobs`,
    interruptionsTable: `${prefix}-interruptions`,
    projectsTable: `${prefix}-projects`,
    admissionWindowsTable: `${prefix}-admission-windows`,
    slotWaitersTable: `${prefix}-slot-waiters`,
    queuePrefix: prefix,
    mailDomain,
    stateMachineArn: undefined,
    queueKmsKeyId: undefined,
  };
}

/**
 * The whole system on one machine: emulators behind one edge endpoint, the Step Functions service
 * running the ASL file with the Lambda handlers in process, and the SMTP front door in SES's role.
 * The handlers reach every service through the AWS SDK pointed at the edge, as they would on AWS.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const host = options.host ?? '127.0.0.1';
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const mailDomain = (options.mailDomain ?? DEFAULT_MAIL_DOMAIN).toLowerCase();
  const log = options.log ?? ((message: string) => console.error(message));
  let stepFunctionsHandler: RequestHandler | undefined;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
    stops.length = 0;
  };

  let receiving: LocalReceiving | undefined;
  try {
    const emulators = await startEmulators({
      dataDir: options.dataDir,
      host,
      edgePort: options.edgePort ?? 4566,
      region: LOCAL_REGION,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      stepFunctions: (req, res) => {
        if (stepFunctionsHandler) stepFunctionsHandler(req, res);
        else res.writeHead(503).end();
      },
      outbox: { onMessage: options.onOutboxMessage, relay: options.relay, receiving: () => receiving },
    });
    stops.push(() => emulators.stop());
    const stopReportingRefusals = emulators.edge.onRefusal((refusal) =>
      log(`edge refused ${refusal.method} for Host ${refusal.host}: ${refusal.code}: ${refusal.message}`),
    );
    stops.push(async () => stopReportingRefusals());

    const base = localConfig(prefix, mailDomain);
    const stateMachineName = `${prefix}-email-processor`;
    const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:000000000000:stateMachine:${stateMachineName}`;
    const config = { ...base, stateMachineArn };
    const environment = runtimeEnvironment(emulators, config);
    const aws: AwsClientSettings = {
      endpoint: emulators.endpoint,
      region: LOCAL_REGION,
      credentials: emulators.credentials,
      s3ForcePathStyle: true,
    };
    // The handlers run in this process with this runtime's context: nothing is read from, or
    // written to, the process environment, so other runtimes in the process are unaffected.
    const handlerContext: HandlerContext = {
      config,
      aws,
      logLevel: options.handlerLogLevel ?? 'WARN',
    };
    const invoke = createLocalLambdaInvoker(prefix, handlerContext);

    const clients = createAwsClients(aws);
    await provisionLocalResources(config, clients);
    await seedProjects(clients, config, options.seedProjects ?? []);

    const stepFunctions = await StepFunctionsService.create({
      dataDir: options.dataDir,
      region: LOCAL_REGION,
      invokeLambda: invoke,
      clients: { dynamodb: clients.dynamodb, sqs: clients.sqs, s3: clients.s3, sesv2: clients.ses },
    });
    stops.push(() => stepFunctions.close());
    stepFunctions.registerStateMachine({
      name: stateMachineName,
      definition: await readFile(STATE_MACHINE_FILE, 'utf8'),
      definitionSubstitutions: localDefinitionSubstitutions(prefix, config),
    });
    stepFunctionsHandler = createStepFunctionsHandler(stepFunctions);

    const deliver = (record: S3EventRecord) =>
      deliverWithRetries(
        () => invoke(`${prefix}-intake`, { Records: [record] }),
        log,
        `intake of ${record.s3.object.key} (the email stays in S3)`,
      );
    // EventBridge's "Execution Status Change" rule on AWS: executions that did not succeed.
    const stopWatchingEnds = stepFunctions.onExecutionEvent((change) => {
      if (change.kind !== 'status' || !ENDED_WITHOUT_SUCCESS.has(change.execution.status)) return;
      const { executionArn, name, status, error, cause, stateMachineArn } = change.execution;
      const event = {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn, stateMachineArn, name, status, error: error ?? null, cause: cause ?? null },
      };
      void deliverWithRetries(
        () => invoke(`${prefix}-record-execution-end`, event),
        log,
        `recording ${name}`,
      );
    });
    stops.push(async () => stopWatchingEnds());
    const unsubscribe = emulators.onObjectCreated((record) => void deliver(record));
    stops.push(async () => unsubscribe());
    void catchUpStoredEmails(clients, config, (key) =>
      invoke(`${prefix}-intake`, { Records: [syntheticRecord(config.mailBucket, key)] }),
    ).catch((error: unknown) => log(`catch-up of stored emails failed: ${String(error)}`));

    const storeEmail = async (key: string, raw: Buffer) => {
      await clients.s3.send(
        new PutObjectCommand({
          Bucket: config.mailBucket,
          Key: key,
          Body: raw,
          ContentType: 'message/rfc822',
        }),
      );
    };
    // Mail the local SES sends to the mail domain comes back in, as on AWS for a receiving domain.
    receiving = { domain: mailDomain.toLowerCase(), store: storeEmail };

    let smtp: SmtpFrontDoor | undefined;
    if (options.smtpPort !== null) {
      smtp = await startSmtpFrontDoor({
        host,
        port: options.smtpPort ?? 2525,
        mailDomain,
        maxMessageBytes: options.maxMessageBytes ?? 40 * 1024 * 1024,
        verdicts: options.verdicts,
        store: storeEmail,
      });
      const door = smtp;
      stops.push(() => door.stop());
    }

    return {
      endpoint: emulators.endpoint,
      smtpPort: smtp?.port,
      config,
      clients,
      stepFunctions,
      emulators,
      environment,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The variables the handlers, the worker and AWS tools need to reach this runtime. */
function runtimeEnvironment(emulators: Emulators, config: RuntimeConfig & { stateMachineArn: string }) {
  return {
    AWS_ENDPOINT_URL: emulators.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: emulators.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulators.credentials.secretAccessKey,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    // No CloudWatch locally: a worker process started with this environment publishes no metrics.
    POWERTOOLS_METRICS_DISABLED: 'true',
    [ENV.mailBucket]: config.mailBucket,
    [ENV.jobsTable]: config.jobsTable,
    [ENV.activeJobsTable]: config.activeJobsTable,
    [ENV.interruptionsTable]: config.interruptionsTable,
    [ENV.projectsTable]: config.projectsTable,
    [ENV.admissionWindowsTable]: config.admissionWindowsTable,
    [ENV.slotWaitersTable]: config.slotWaitersTable,
    [ENV.queuePrefix]: config.queuePrefix,
    [ENV.mailDomain]: config.mailDomain,
    [ENV.stateMachineArn]: config.stateMachineArn,
  };
}

async function seedProjects(
  clients: AwsClients,
  config: RuntimeConfig,
  projects: ProjectInput[],
): Promise<void> {
  if (projects.length === 0) return;
  const registry = new DynamoDbProjectRegistry(clients.documents, config.projectsTable);
  if ((await registry.list()).length > 0) return;
  for (const project of projects) await registry.put(parseProject(project));
}

/** S3 and EventBridge invoke their Lambdas asynchronously and retry; so does the local runtime. */
async function deliverWithRetries(invoke: () => Promise<unknown>, log: (m: string) => void, what: string) {
  for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
    try {
      await invoke();
      return;
    } catch (error) {
      if (attempt === DELIVERY_ATTEMPTS) {
        log(`${what} failed after ${attempt} attempts: ${String(error)}`);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}

/**
 * Emails stored while the runtime was down never raised an event; the intake is idempotent (an
 * execution per message id), so offering it every stored email again is safe and loses none.
 */
async function catchUpStoredEmails(
  clients: AwsClients,
  config: RuntimeConfig,
  start: (key: string) => Promise<unknown>,
): Promise<void> {
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: config.mailBucket, Prefix: EMAIL_PREFIX, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) await start(object.Key);
    token = page.NextContinuationToken;
  } while (token);
}

function syntheticRecord(bucket: string, key: string): S3EventRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'local' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'intake-catch-up',
      bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
      object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 0, eTag: '', sequencer: '0' },
    },
  };
}

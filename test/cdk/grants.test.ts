import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dependency } from '#contracts/grants.ts';
import { DEPENDENCIES, HANDLER_DEPENDENCIES, LEASE_RELEASE } from '#runtime/handler-dependencies.ts';
import { WORKER_DEPENDENCIES } from '../../containers/story-processor/src/worker-dependencies.ts';
import { handlerGrants, workerGrants, type GrantResources } from '../../lib/grants.ts';
import { HANDLER_NAMES, type HandlerName } from '../../lib/handlers.ts';
import { asList, logicalIdOf, statementsOfRole, synthIntake } from './synth.ts';

const { template } = synthIntake();
const root = path.resolve(import.meta.dirname, '../..');

/** Placeholder ARNs: the role check compares actions per statement; resources are checked elsewhere. */
const RESOURCES: GrantResources = {
  tables: {
    activeJobs: 'active-jobs',
    jobs: 'jobs',
    interruptions: 'interruptions',
    projects: 'projects',
    admissionWindows: 'admission-windows',
    slotWaiters: 'slot-waiters',
  },
  objects: (prefix) => `bucket/${prefix}/*`,
  queues: (kind) => `queues-${kind ?? 'any'}-*`,
  newQueueNotices: 'new-queue-notices',
  mailIdentities: ['identity'],
  stateMachine: 'state-machine',
  executions: 'executions',
  repositorySecrets: 'repository-secrets',
};

type ActionsBySid = Record<string, string[]>;

const ROLE_IDS: Record<HandlerName, string> = {
  intake: 'MailIntakeIntakeHandlerRole',
  'parse-email': 'WorkflowParseEmailRole',
  'claim-job': 'WorkflowClaimJobRole',
  'record-interruption': 'WorkflowRecordInterruptionRole',
  'finish-job': 'WorkflowFinishJobRole',
  'handle-timeout': 'WorkflowHandleTimeoutRole',
  'record-execution-end': 'WorkflowRecordExecutionEndRole',
  'queue-backlog': 'WorkersQueueBacklogRole',
};

/** The worker's ECS task role. */
const WORKER_ROLE_ID = 'WorkersTaskTaskRole';

/**
 * What a deployed role may do, minus what every handler has (own logs, X-Ray) and the statements CDK
 * adds without a Sid for its own grants (the intake's failure destination, pinned in
 * mail-intake.test.ts; the worker's EFS mount, pinned in workers-and-observability.test.ts).
 */
const deployedActionsOf = (roleId: string): ActionsBySid =>
  Object.fromEntries(
    statementsOfRole(template, logicalIdOf(template, 'AWS::IAM::Role', roleId))
      .filter((s) => s.Sid !== undefined && s.Sid !== 'WriteOwnLogs')
      .filter((s) => !asList(s.Action).every((a) => a.startsWith('xray:')))
      .map((s) => [String(s.Sid), asList(s.Action).sort()]),
  );
const deployedActions = (handler: HandlerName): ActionsBySid => deployedActionsOf(ROLE_IDS[handler]);

const declaredActions = (
  handler: HandlerName,
  dependencies: Record<string, Dependency> = DEPENDENCIES,
): ActionsBySid =>
  Object.fromEntries(
    handlerGrants(handler, RESOURCES, dependencies).map((s) => [s.sid, [...s.actions].sort()]),
  );

const declaredWorkerActions = (
  dependencies: Record<string, Dependency> = WORKER_DEPENDENCIES,
): ActionsBySid =>
  Object.fromEntries(workerGrants(RESOURCES, dependencies).map((s) => [s.sid, [...s.actions].sort()]));

/** Each difference between a role and its handler's declarations, as a sentence; none when they agree. */
function roleDrift(deployed: ActionsBySid, declared: ActionsBySid): string[] {
  const drift: string[] = [];
  for (const [sid, actions] of Object.entries(declared)) {
    const held = new Set(deployed[sid] ?? []);
    for (const action of actions) if (!held.has(action)) drift.push(`${sid}: the role lacks ${action}`);
  }
  for (const [sid, actions] of Object.entries(deployed)) {
    const wanted = new Set(declared[sid] ?? []);
    for (const action of actions) if (!wanted.has(action)) drift.push(`${sid}: nobody declares ${action}`);
  }
  return drift;
}

/** The IAM actions each SDK command needs (a CreateQueue with tags also needs TagQueue). */
const ACTIONS_OF_COMMAND: Record<string, string[]> = {
  GetCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  GetObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  SendEmailCommand: ['ses:SendEmail'],
  StartExecutionCommand: ['states:StartExecution'],
  GetExecutionHistoryCommand: ['states:GetExecutionHistory'],
  SendTaskSuccessCommand: ['states:SendTaskSuccess'],
  SendMessageCommand: ['sqs:SendMessage'],
  CreateQueueCommand: ['sqs:CreateQueue', 'sqs:TagQueue'],
  GetQueueUrlCommand: ['sqs:GetQueueUrl'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  SetQueueAttributesCommand: ['sqs:SetQueueAttributes'],
  paginateListQueues: ['sqs:ListQueues'],
  ListQueuesCommand: ['sqs:ListQueues'],
  ReceiveMessageCommand: ['sqs:ReceiveMessage'],
  ChangeMessageVisibilityCommand: ['sqs:ChangeMessageVisibility'],
  DeleteMessageCommand: ['sqs:DeleteMessage'],
  SendTaskFailureCommand: ['states:SendTaskFailure'],
  SendTaskHeartbeatCommand: ['states:SendTaskHeartbeat'],
  PutMetricDataCommand: ['cloudwatch:PutMetricData'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
};

/** The actions an adapter's source sends: every `new XCommand(` and `paginateX(` in it. */
function sentActions(source: string): { actions: Set<string>; unknown: string[] } {
  const calls = [...source.matchAll(/new (\w+Command)\(|\b(paginate\w+)\(/g)].map((m) => m[1] ?? m[2]!);
  const unknown = calls.filter((call) => !ACTIONS_OF_COMMAND[call]);
  return { actions: new Set(calls.flatMap((call) => ACTIONS_OF_COMMAND[call] ?? [])), unknown };
}

/** Each mismatch between what an adapter's source sends and what it declares. */
function declarationDrift(source: string, adapter: Dependency['adapter']): string[] {
  const { actions: sent, unknown } = sentActions(source);
  const declared = new Set(adapter.grants.flatMap((grant) => grant.actions));
  return [
    ...unknown.map((call) => `${adapter.name} calls ${call}, which the test does not know: add it`),
    ...[...sent].filter((a) => !declared.has(a)).map((a) => `${adapter.name} sends ${a} undeclared`),
    ...[...declared].filter((a) => !sent.has(a)).map((a) => `${adapter.name} declares ${a} it never sends`),
  ];
}

/** The folders of the adapters that call AWS: the Lambdas' (the worker shares some) and the worker's. */
const ADAPTER_DIRS = ['shared/adapters', 'containers/story-processor/src/adapters'];

/** The source of each adapter class under ADAPTER_DIRS, by class name. */
const adapterClassSources = (): Map<string, string> => {
  const byClass = new Map<string, string>();
  for (const dir of ADAPTER_DIRS) {
    for (const file of readdirSync(path.join(root, dir))) {
      const source = readFileSync(path.join(root, dir, file), 'utf8');
      for (const [, name] of source.matchAll(/export class (\w+)/g)) byClass.set(name!, source);
    }
  }
  return byClass;
};

const adapterSources = (): Map<Dependency['adapter'], string> => {
  const byClass = adapterClassSources();
  return new Map(
    [...Object.values(DEPENDENCIES), ...Object.values(WORKER_DEPENDENCIES)].map(
      (d) => [d.adapter, byClass.get(d.adapter.name) ?? ''] as const,
    ),
  );
};

describe('grants from the code', () => {
  it("give every handler's role exactly what the adapters of its dependency set declare", () => {
    for (const handler of HANDLER_NAMES) {
      expect(roleDrift(deployedActions(handler), declaredActions(handler)), handler).toEqual([]);
    }
  });

  it('catch a role that lacks a call an adapter adds', () => {
    const grown: Record<string, Dependency> = {
      ...DEPENDENCIES,
      jobs: {
        ...DEPENDENCIES.jobs,
        adapter: {
          name: 'DynamoDbJobRecords',
          grants: [
            ...DEPENDENCIES.jobs.adapter.grants,
            { actions: ['dynamodb:BatchWriteItem'], on: 'table', by: ['record'] },
          ],
        },
      },
    };
    expect(roleDrift(deployedActions('finish-job'), declaredActions('finish-job', grown))).toEqual([
      'JobsTable: the role lacks dynamodb:BatchWriteItem',
    ]);
  });

  it("give the worker's task role exactly what the adapters of its dependency set declare", () => {
    expect(roleDrift(deployedActionsOf(WORKER_ROLE_ID), declaredWorkerActions())).toEqual([]);
  });

  it('catch a task role that lacks a call a worker adapter adds', () => {
    const grown: Record<string, Dependency> = {
      ...WORKER_DEPENDENCIES,
      leases: {
        ...WORKER_DEPENDENCIES.leases,
        adapter: {
          name: 'DynamoDbWorkerLeaseStore',
          grants: [
            ...WORKER_DEPENDENCIES.leases.adapter.grants,
            { actions: ['dynamodb:DeleteItem'], on: 'table', by: ['handOver'] },
          ],
        },
      },
    };
    expect(roleDrift(deployedActionsOf(WORKER_ROLE_ID), declaredWorkerActions(grown))).toEqual([
      'LeasesTable: the role lacks dynamodb:DeleteItem',
    ]);
  });

  it('declare every SDK command each adapter sends, and nothing it does not send', () => {
    const sources = adapterSources();
    for (const [adapter, source] of sources) {
      expect(source, `${adapter.name} has no source under ${ADAPTER_DIRS.join(' or ')}`).not.toBe('');
      expect(declarationDrift(source, adapter)).toEqual([]);
    }
  });

  it('catch a worker adapter that sends a command it does not declare', () => {
    const source = adapterSources().get(WORKER_DEPENDENCIES.queue.adapter) ?? '';
    const grown = `${source}\nconst extra = () => new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'm' });`;
    expect(declarationDrift(grown, WORKER_DEPENDENCIES.queue.adapter)).toEqual([
      'SqsWorkQueue sends sqs:SendMessage undeclared',
    ]);
    const purging = `${source}\nconst extra = () => new PurgeQueueCommand({ QueueUrl: 'q' });`;
    expect(declarationDrift(purging, WORKER_DEPENDENCIES.queue.adapter)).toEqual([
      'SqsWorkQueue calls PurgeQueueCommand, which the test does not know: add it',
    ]);
  });

  it("name in the worker's dependency set exactly the granting adapters start-worker.ts builds", () => {
    const granting = new Map(
      [...adapterClassSources()].filter(([, source]) => source.includes('static readonly grants')),
    );
    const source = readFileSync(path.join(root, 'containers/story-processor/src/start-worker.ts'), 'utf8');
    const built = [...source.matchAll(/new (\w+)\(/g)].map((m) => m[1]!).filter((name) => granting.has(name));
    const named = Object.values(WORKER_DEPENDENCIES).map((d) => d.adapter.name);
    expect([...new Set(built)].sort()).toEqual([...new Set(named)].sort());
    // Every granting adapter of the worker's own folder serves the worker.
    const own = readdirSync(path.join(root, 'containers/story-processor/src/adapters'))
      .map((file) => readFileSync(path.join(root, 'containers/story-processor/src/adapters', file), 'utf8'))
      .filter((text) => text.includes('static readonly grants'))
      .flatMap((text) => [...text.matchAll(/export class (\w+)/g)].map((m) => m[1]!));
    expect(own.filter((name) => !named.includes(name))).toEqual([]);
  });

  it('catch an adapter that sends a command it does not declare', () => {
    const source = adapterSources().get(DEPENDENCIES.interruptions.adapter) ?? '';
    const grown = `${source}\nconst extra = () => new DeleteCommand({ TableName: 't', Key: {} });`;
    expect(declarationDrift(grown, DEPENDENCIES.interruptions.adapter)).toEqual([
      'DynamoDbInterruptionLog sends dynamodb:DeleteItem undeclared',
    ]);
  });

  it("name in each handler's dependency set exactly the collaborators its handler.ts takes", () => {
    const notAws = new Set(['clock', 'metrics']);
    for (const handler of HANDLER_NAMES) {
      const source = readFileSync(path.join(root, 'lambdas', handler, 'handler.ts'), 'utf8');
      const imported = /import \{([^}]*)\} from '#runtime\/handler-deps(?:\.ts)?'/.exec(source)?.[1] ?? '';
      const names = imported
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name && !notAws.has(name))
        .flatMap((name) => (name === 'leaseRelease' ? Object.keys(LEASE_RELEASE) : [name]));
      expect(Object.keys(HANDLER_DEPENDENCIES[handler]).sort(), handler).toEqual([...new Set(names)].sort());
    }
  });
});

import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Dependency, MailObjectPrefix } from '#contracts/grants.ts';
import type { QueueKind } from '#contracts/identifiers.ts';
import type { TableKind } from '#contracts/tables.ts';
import type { HandlerName } from '#contracts/functions.ts';
import { DEPENDENCIES, HANDLER_DEPENDENCIES } from '#runtime/handler-dependencies.ts';
import {
  WORKER_DEPENDENCIES,
  WORKER_DEPENDENCY_SET,
} from '../containers/story-processor/src/worker-dependencies.ts';
import type { StateAndQueues } from './constructs/state-and-queues.ts';
import { REASONS, acknowledgeWildcardResources, wildcardResourceFinding } from './nag.ts';

/** The resources of one stack that grants are bound to (ARNs or tokens). */
export interface GrantResources {
  readonly tables: Record<TableKind, string>;
  /** The ARN pattern of the mail bucket's objects under a prefix (`emails/*`). */
  objects(prefix: MailObjectPrefix): string;
  /** The ARN pattern of the run-time queues of a kind, or of every kind. */
  queues(kind?: QueueKind): string;
  readonly mailIdentities: readonly string[];
  readonly stateMachine?: string;
  readonly executions?: string;
  /** The ARN pattern of the secrets under the repository-secret prefix (the worker's). */
  readonly repositorySecrets?: string;
  /** The ARN of the queue that announces new input queues. */
  readonly newQueueNotices: string;
}

/** One statement of a role, named after the collaborator and the resource it serves. */
export interface GrantStatement {
  readonly sid: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly conditions?: Record<string, Record<string, string>>;
  /** Why a wildcard resource is unavoidable, when one is. */
  readonly wildcardReason?: string;
}

const pascal = (text: string): string =>
  text.replace(/(^|[-_])(\w)/g, (_, __, letter: string) => letter.toUpperCase());

/** The statements one collaborator needs, from its adapter's declaration bound to its scope. */
export function statementsOf(
  name: string,
  dependency: Dependency,
  methods: readonly string[],
  resources: GrantResources,
): GrantStatement[] {
  const { scope, adapter } = dependency;
  const declared = new Set(adapter.grants.flatMap((grant) => grant.by));
  const unknown = methods.filter((method) => !declared.has(method));
  if (unknown.length > 0)
    throw new Error(`${name}: ${adapter.name} declares no grant for ${unknown.join(', ')}`);
  const statements: GrantStatement[] = [];
  for (const grant of adapter.grants.filter((g) => g.by.some((method) => methods.includes(method)))) {
    const actions = [...grant.actions];
    const sid = `${pascal(name)}${pascal(grant.on)}`;
    const missing = (what: string): Error =>
      new Error(`${name}: its adapter declares ${grant.on} actions but its scope names no ${what}`);
    switch (grant.on) {
      case 'table':
        if (!scope.table) throw missing('table');
        statements.push({ sid, actions, resources: [resources.tables[scope.table]] });
        break;
      case 'readObjects':
      case 'writtenObjects': {
        const prefixes = scope[grant.on];
        if (!prefixes) throw missing('object prefixes');
        // An empty list says so on purpose: this use never reads (or writes) objects.
        if (prefixes.length === 0) break;
        statements.push({
          sid,
          actions,
          resources: prefixes.map((prefix) => resources.objects(prefix)),
          wildcardReason: prefixes.includes('emails') ? REASONS.rawEmails : REASONS.jobObjects,
        });
        break;
      }
      case 'queues':
        statements.push({
          sid,
          actions,
          resources: scope.queues ? scope.queues.map((kind) => resources.queues(kind)) : [resources.queues()],
          wildcardReason: REASONS.queuesAtRunTime,
        });
        break;
      case 'newQueueNotices':
        statements.push({ sid, actions, resources: [resources.newQueueNotices] });
        break;
      case 'queueList':
      case 'taskTokens':
        statements.push({ sid, actions, resources: ['*'], wildcardReason: REASONS[grant.on] });
        break;
      case 'metricNamespace':
        if (!scope.metricNamespace) throw missing('metric namespace');
        statements.push({
          sid,
          actions,
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': scope.metricNamespace } },
          wildcardReason: REASONS.metricNamespace,
        });
        break;
      case 'mailIdentities':
        statements.push({ sid, actions, resources: [...resources.mailIdentities] });
        break;
      case 'stateMachine':
        if (!resources.stateMachine) throw missing('state machine');
        statements.push({ sid, actions, resources: [resources.stateMachine] });
        break;
      case 'executions':
        if (!resources.executions) throw missing('executions');
        statements.push({
          sid,
          actions,
          resources: [resources.executions],
          wildcardReason: REASONS.executions,
        });
        break;
      case 'repositorySecrets':
        if (!resources.repositorySecrets) throw missing('repository-secret prefix');
        statements.push({
          sid,
          actions,
          resources: [resources.repositorySecrets],
          wildcardReason: REASONS.repositorySecrets,
        });
        break;
    }
  }
  return statements;
}

/** What a role's code calls: per collaborator, the methods whose grants the role gets. */
export type DependencySetOf = Record<string, readonly string[] | undefined>;

/**
 * A role, statement by statement, built from the adapters its dependency set names: the role holds
 * what those adapters declare and nothing else.
 */
export function roleGrants(
  role: string,
  set: DependencySetOf,
  dependencies: Record<string, Dependency>,
  resources: GrantResources,
): GrantStatement[] {
  const merged = new Map<string, GrantStatement>();
  for (const [name, methods = []] of Object.entries(set)) {
    const dependency = dependencies[name];
    if (!dependency) throw new Error(`${role}: no dependency named ${name}`);
    // One statement per collaborator and resource kind: several grants of one kind share it.
    for (const statement of statementsOf(name, dependency, methods, resources)) {
      const earlier = merged.get(statement.sid);
      merged.set(
        statement.sid,
        earlier
          ? { ...earlier, actions: [...new Set([...earlier.actions, ...statement.actions])] }
          : statement,
      );
    }
  }
  return [...merged.values()];
}

/** A Lambda handler's role, from its dependency set (shared/runtime/handler-dependencies.ts). */
export const handlerGrants = (
  handler: HandlerName,
  resources: GrantResources,
  dependencies: Record<string, Dependency> = DEPENDENCIES,
  sets: Record<HandlerName, DependencySetOf> = HANDLER_DEPENDENCIES,
): GrantStatement[] => roleGrants(handler, sets[handler], dependencies, resources);

/** The story worker's task role, from its dependency set (containers/story-processor/src/worker-dependencies.ts). */
export const workerGrants = (
  resources: GrantResources,
  dependencies: Record<string, Dependency> = WORKER_DEPENDENCIES,
  set: DependencySetOf = WORKER_DEPENDENCY_SET,
): GrantStatement[] => roleGrants('worker', set, dependencies, resources);

/**
 * Adds each statement to a role. A resource with a wildcard (an object prefix, a run-time queue-name
 * prefix) needs the statement's reason, recorded as the cdk-nag acknowledgement.
 */
export function grantStatements(role: iam.IRole, statements: readonly GrantStatement[]): void {
  for (const { sid, actions, resources, conditions, wildcardReason } of statements) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    const wildcards = resources.filter((resource) => wildcardResourceFinding(role, resource) !== undefined);
    if (wildcards.length === 0) continue;
    if (!wildcardReason)
      throw new Error(`${role.node.path}: statement ${sid} has a wildcard resource and no reason`);
    acknowledgeWildcardResources(role, wildcards, wildcardReason);
  }
}

/** The resources of the stack's state, mail bucket and identities, as the grants bind them. */
export function grantResources(
  state: StateAndQueues,
  mailBucket: s3.IBucket,
  mailIdentities: readonly string[],
  extra: { stateMachine?: string; executions?: string; repositorySecrets?: string } = {},
): GrantResources {
  return {
    tables: {
      activeJobs: state.activeJobs.tableArn,
      jobs: state.jobs.tableArn,
      interruptions: state.interruptions.tableArn,
      projects: state.projects.tableArn,
      admissionWindows: state.admissionWindows.tableArn,
      slotWaiters: state.slotWaiters.tableArn,
    },
    // The mail bucket's prefixes are `<name>/` (MAIL_PREFIX in constructs/mail-intake.ts).
    objects: (prefix) => mailBucket.arnForObjects(`${prefix}/*`),
    queues: (kind) => state.queueArnPattern(kind),
    newQueueNotices: state.newQueueNotices.queueArn,
    mailIdentities,
    ...extra,
  };
}

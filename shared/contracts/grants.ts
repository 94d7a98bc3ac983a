import type { QueueKind } from './identifiers.ts';
import type { TableKind } from './tables.ts';

/**
 * What an adapter's AWS calls need from IAM, declared by the adapter itself (`static grants`), so
 * that the CDK builds each role (a handler's, the worker's task role) from the adapters it uses
 * (lib/grants.ts) and a test can check each declaration against the SDK commands its adapter sends.
 *
 * A grant names the kind of resource its actions act on; a role's dependency set binds each kind
 * to the resource it means for that use (which table, which object prefixes, which queues).
 */
export type ResourceKind =
  /** The table the adapter is built on. */
  | 'table'
  /** Objects of the mail bucket the adapter reads, under the prefixes the use names. */
  | 'readObjects'
  /** Objects of the mail bucket the adapter writes, under the prefixes the use names. */
  | 'writtenObjects'
  /** The run-time project queues (this environment's name prefix) of the kinds the use names. */
  | 'queues'
  /** The standard queue that announces new input queues (`newInputQueueNoticesName`). */
  | 'newQueueNotices'
  /** Listing queues: no resource-level permission, so Resource "*" (listed by name prefix). */
  | 'queueList'
  /** Task-token calls: authorised by the token, no resource-level permission. */
  | 'taskTokens'
  /** The SES identities of the mail domains. */
  | 'mailIdentities'
  /** The email-processor state machine. */
  | 'stateMachine'
  /** The executions of the email-processor state machine. */
  | 'executions'
  /** CloudWatch metrics: Resource "*", restricted to the use's namespace by condition. */
  | 'metricNamespace'
  /** The Secrets Manager secrets under this environment's repository-secret prefix. */
  | 'repositorySecrets';

export interface Grant<Method extends string = string> {
  readonly actions: readonly string[];
  readonly on: ResourceKind;
  /** The adapter's methods that send these actions: a role that calls none of them gets none. */
  readonly by: readonly Method[];
}

/** An adapter's declaration, method by method (`static grants: AdapterGrants<ThisAdapter>`). */
export type AdapterGrants<Adapter = Record<string, unknown>> = readonly Grant<keyof Adapter & string>[];

/** An adapter class as the grants see it. */
export interface GrantingAdapter {
  readonly name: string;
  readonly grants: readonly Grant[];
}

export type MailObjectPrefix = 'emails' | 'instructions' | 'attachments';

/** What one use of an adapter binds its resource kinds to. */
export interface DependencyScope {
  readonly table?: TableKind;
  readonly readObjects?: readonly MailObjectPrefix[];
  readonly writtenObjects?: readonly MailObjectPrefix[];
  /** Omitted with a `queues` grant: every kind's queues. */
  readonly queues?: readonly QueueKind[];
  readonly metricNamespace?: string;
}

/** One collaborator of a handler or the worker: the adapter it is built from and what its resources are. */
export interface Dependency {
  readonly adapter: GrantingAdapter;
  readonly scope: DependencyScope;
}

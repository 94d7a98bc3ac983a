import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  assertExecutionArn,
  assertStateMachineArn,
  assertValidName,
  executionArn,
  stateMachineArn,
} from './arns.ts';
import type { ArnScope } from './arns.ts';
import { CallbackRegistry } from './callback-registry.ts';
import { ExecutionJournal, awaitedTokens, redriveCheckpoint } from './checkpoint.ts';
import type { StateCheckpoint } from './checkpoint.ts';
import { InvalidDefinitionError, prepareDefinition } from './definition.ts';
import type { PreparedDefinition } from './definition.ts';
import { SfnApiError } from './errors.ts';
import { assertApiPayload } from './payload-limit.ts';
import { ExecutionContext } from './execution-context.ts';
import { runExecution } from './execution-runner.ts';
import type { ExecutionOutcome, ResumePoint, RunningExecution } from './execution-runner.ts';
import { HistoryWriter } from './history-writer.ts';
import type { InvokeLambda, ServiceClients } from './integrations.ts';
import { statesTimeoutErrorClass } from './interpreter.ts';
import { tryParseJson } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import type {
  ExecutionChange,
  ExecutionRecord,
  ExecutionStatus,
  StateMachineRecord,
  StoredHistoryEvent,
} from './records.ts';
import { StepFunctionsStore } from './store.ts';
import { applyDefinitionSubstitutions } from './substitutions.ts';
import type { TaskClockErrors } from './task-clock.ts';
import { encodeTaskToken } from './task-token.ts';

export interface StepFunctionsServiceOptions {
  /** Root data folder; state machines, executions and histories go to `<dataDir>/stepfunctions/`. */
  dataDir?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  /** Runs Lambda handlers for `lambda:invoke` and Lambda ARN resources. */
  invokeLambda?: InvokeLambda;
  /** SDK clients for `dynamodb:*`, `sqs:*` and `aws-sdk:<service>:*` integrations, by service id. */
  clients?: ServiceClients;
}

export interface RegisterStateMachineInput {
  name: string;
  /** ASL as JSON text (e.g. the file's contents) or as an object. */
  definition: string | object;
  /** Values for `${Name}` placeholders, as CloudFormation's DefinitionSubstitutions. */
  definitionSubstitutions?: Readonly<Record<string, string>>;
  roleArn?: string;
}

interface ExecutionEntry {
  record: ExecutionRecord;
  events: StoredHistoryEvent[];
  history: HistoryWriter;
  journal: ExecutionJournal;
  running?: RunningExecution;
}

const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/local-stepfunctions';

/** The Step Functions control plane and runtime; the HTTP layer (api.ts) calls these methods. */
export class StepFunctionsService {
  private readonly scope: ArnScope;
  private readonly store: StepFunctionsStore;
  private readonly machines = new Map<string, { record: StateMachineRecord; prepared: PreparedDefinition }>();
  private readonly executions = new Map<string, ExecutionEntry>();
  private readonly emitter = new EventEmitter();
  private readonly callbacks = new CallbackRegistry((arn) => this.executions.has(arn));
  private closed = false;

  private constructor(
    private readonly options: StepFunctionsServiceOptions,
    private readonly timeoutErrors: TaskClockErrors & { isTimeout: (error: unknown) => boolean },
  ) {
    this.scope = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000' };
    this.store = new StepFunctionsStore(options.dataDir);
    this.emitter.setMaxListeners(0);
  }

  /** Loads what the data folder holds and resumes every execution left RUNNING where it was. */
  static async create(options: StepFunctionsServiceOptions = {}): Promise<StepFunctionsService> {
    const TimeoutError = await statesTimeoutErrorClass();
    class HeartbeatTimeoutError extends TimeoutError {
      override name = 'States.HeartbeatTimeout';
    }
    const withCause = (error: Error, cause: string): Error => Object.assign(error, { message: cause });
    const service = new StepFunctionsService(options, {
      timeout: (cause) => withCause(new TimeoutError(), cause),
      heartbeat: (cause) => withCause(new HeartbeatTimeoutError(), cause),
      isTimeout: (error) => error instanceof TimeoutError,
    });
    service.load();
    return service;
  }

  get region(): string {
    return this.scope.region;
  }

  /** Subscribes to history events and status changes of every execution; returns the unsubscribe. */
  onExecutionEvent(listener: (change: ExecutionChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  /** Registers (or updates) a state machine from the runtime, e.g. the ASL file with substitutions. */
  registerStateMachine(input: RegisterStateMachineInput): StateMachineRecord {
    const text = typeof input.definition === 'string' ? input.definition : JSON.stringify(input.definition);
    const definition = applyDefinitionSubstitutions(text, input.definitionSubstitutions);
    const existing = this.machines.get(stateMachineArn(this.scope, input.name));
    if (existing) {
      return this.updateStateMachine({
        stateMachineArn: existing.record.stateMachineArn,
        definition,
        roleArn: input.roleArn,
      });
    }
    return this.createStateMachine({ name: input.name, definition, roleArn: input.roleArn });
  }

  /** CreateStateMachine: idempotent for the same name and definition, else StateMachineAlreadyExists. */
  createStateMachine(input: {
    name: string;
    definition: string;
    roleArn?: string;
    type?: string;
    tags?: Record<string, string>;
  }): StateMachineRecord {
    assertValidName(input.name);
    assertStandardType(input.type);
    const arn = stateMachineArn(this.scope, input.name);
    const existing = this.machines.get(arn);
    if (existing) {
      if (existing.record.definition === input.definition) return existing.record;
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const prepared = prepare(input.definition);
    const record: StateMachineRecord = {
      stateMachineArn: arn,
      name: input.name,
      definition: input.definition,
      roleArn: input.roleArn ?? DEFAULT_ROLE,
      type: 'STANDARD',
      creationDate: Date.now(),
      tags: input.tags,
    };
    this.machines.set(arn, { record, prepared });
    this.store.saveStateMachine(record);
    return record;
  }

  /** UpdateStateMachine: new executions use the new definition; running ones keep theirs. */
  updateStateMachine(input: {
    stateMachineArn: string;
    definition?: string;
    roleArn?: string;
  }): StateMachineRecord {
    const machine = this.requireMachine(input.stateMachineArn);
    if (input.definition === undefined || input.definition === machine.record.definition) {
      if (input.roleArn === undefined || input.roleArn === machine.record.roleArn) return machine.record;
    }
    const definition = input.definition ?? machine.record.definition;
    const record: StateMachineRecord = {
      ...machine.record,
      definition,
      roleArn: input.roleArn ?? machine.record.roleArn,
      updateDate: Date.now(),
    };
    this.machines.set(record.stateMachineArn, { record, prepared: prepare(definition) });
    this.store.saveStateMachine(record);
    return record;
  }

  describeStateMachine(arn: string): StateMachineRecord {
    return this.requireMachine(arn).record;
  }

  listStateMachines(): StateMachineRecord[] {
    return [...this.machines.values()].map((machine) => machine.record);
  }

  /**
   * DeleteStateMachine: the machine is gone at once (idempotent for an unknown ARN); its executions
   * stay readable and running ones finish with the definition they started with.
   */
  deleteStateMachine(arn: string): void {
    const machine = this.machines.get(assertStateMachineArn(arn));
    if (!machine) return;
    this.machines.delete(arn);
    this.store.deleteStateMachine(machine.record.name);
  }

  /** DescribeStateMachineForExecution: the definition the execution runs, even after an update. */
  describeStateMachineForExecution(executionArn: string): StateMachineRecord {
    const { record } = this.requireExecution(executionArn);
    const machine = this.machines.get(record.stateMachineArn)?.record;
    const definition = record.definition ?? machine?.definition;
    if (!machine || definition === undefined) {
      throw new SfnApiError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${record.stateMachineArn}'`,
      );
    }
    return { ...machine, definition };
  }

  tagResource(arn: string, tags: Record<string, string>): void {
    const machine = this.requireTaggable(arn);
    machine.tags = { ...machine.tags, ...tags };
    this.store.saveStateMachine(machine);
  }

  untagResource(arn: string, keys: readonly string[]): void {
    const machine = this.requireTaggable(arn);
    const tags = { ...machine.tags };
    for (const key of keys) delete tags[key];
    machine.tags = tags;
    this.store.saveStateMachine(machine);
  }

  listTags(arn: string): Record<string, string> {
    return { ...this.requireTaggable(arn).tags };
  }

  /**
   * RedriveExecution: a FAILED, ABORTED or TIMED_OUT execution continues from the top-level state
   * that did not succeed (entered again, with its retry counts reset and the variables it had), with
   * its original definition. In a Map or Parallel state only the iterations and branches that failed,
   * were aborted or had not started run again (`redriveCheckpoint`).
   */
  redriveExecution(arn: string): ExecutionRecord {
    const entry = this.requireExecution(arn);
    const { record } = entry;
    if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
      throw new SfnApiError(
        'ExecutionNotRedrivable',
        `Execution with status ${record.status} cannot be redriven: '${arn}'`,
      );
    }
    const definition = record.definition ?? this.machines.get(record.stateMachineArn)?.record.definition;
    const input = tryParseJson(record.input);
    if (definition === undefined || input === undefined) {
      throw new SfnApiError('ExecutionNotRedrivable', `Execution cannot be redriven: '${arn}'`);
    }
    const prepared = this.preparedFor(definition);
    const now = Date.now();
    const saved = entry.journal.state ?? this.store.loadCheckpoint(arn);
    const checkpoint = redriveFrom(saved, entry, prepared, now);
    record.status = 'RUNNING';
    record.redriveCount += 1;
    record.redriveDate = now;
    for (const key of ['stopDate', 'output', 'error', 'cause'] as const) delete record[key];
    entry.history.reopen();
    entry.journal.reopen(checkpoint);
    this.store.saveExecution(record);
    entry.history.append('ExecutionRedriven', { redriveCount: record.redriveCount });
    this.emitStatus(record);
    this.launch(entry, prepared, input, checkpoint && { checkpoint, startDate: now, entryRecorded: false });
    return record;
  }

  /** StartExecution with AWS name idempotency. */
  startExecution(input: { stateMachineArn: string; name?: string; input?: string }): ExecutionRecord {
    if (this.closed) throw new SfnApiError('InternalFailure', 'The service is shutting down', 500);
    const machine = this.requireMachine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    assertValidName(name);
    const inputText = input.input ?? '{}';
    assertApiPayload('input', inputText);
    const parsedInput = tryParseJson(inputText);
    if (parsedInput === undefined)
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');

    const arn = executionArn(this.scope, machine.record.name, name);
    const existing = this.executions.get(arn);
    if (existing) {
      const sameInput = JSON.stringify(tryParseJson(existing.record.input)) === JSON.stringify(parsedInput);
      if (existing.record.status === 'RUNNING' && sameInput) return existing.record;
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }

    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: machine.record.stateMachineArn,
      name,
      status: 'RUNNING',
      input: inputText,
      startDate: Date.now(),
      redriveCount: 0,
      definition: machine.record.definition,
    };
    const entry = this.addExecution(record, [], undefined);
    this.store.saveExecution(record);
    entry.history.append('ExecutionStarted', {
      input: inputText,
      inputDetails: { truncated: false },
      roleArn: machine.record.roleArn,
    });
    this.emitStatus(record);
    this.launch(entry, machine.prepared, parsedInput);
    return record;
  }

  describeExecution(arn: string): ExecutionRecord {
    return this.requireExecution(arn).record;
  }

  /** Executions of one state machine, newest first. */
  listExecutions(input: { stateMachineArn: string; statusFilter?: ExecutionStatus }): ExecutionRecord[] {
    this.requireMachine(input.stateMachineArn);
    return [...this.executions.values()]
      .map((entry) => entry.record)
      .filter((record) => record.stateMachineArn === input.stateMachineArn)
      .filter((record) => input.statusFilter === undefined || record.status === input.statusFilter)
      .sort((a, b) => b.startDate - a.startDate);
  }

  getExecutionHistory(arn: string): readonly StoredHistoryEvent[] {
    return this.requireExecution(arn).events;
  }

  /** StopExecution: the execution ends ABORTED at once; its open task tokens answer TaskTimedOut. */
  stopExecution(input: { executionArn: string; error?: string; cause?: string }): ExecutionRecord {
    const entry = this.requireExecution(input.executionArn);
    if (entry.record.status !== 'RUNNING') return entry.record;
    entry.running?.stop(true);
    this.finish(entry, { status: 'ABORTED' }, { error: input.error, cause: input.cause });
    return entry.record;
  }

  /** Settles once the task took the outcome (and saved it): at once, unless it is still resuming. */
  async sendTaskSuccess(taskToken: string, output: string): Promise<void> {
    assertApiPayload('output', output);
    const parsed = tryParseJson(output);
    if (parsed === undefined) throw new SfnApiError('InvalidOutput', 'Invalid output: not JSON');
    await this.callbacks.settle(taskToken, { kind: 'success', output: parsed });
  }

  async sendTaskFailure(taskToken: string, error?: string, cause?: string): Promise<void> {
    await this.callbacks.settle(taskToken, { kind: 'failure', error: error ?? '', cause: cause ?? '' });
  }

  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    await this.callbacks.heartbeat(taskToken);
  }

  /**
   * Stops running executions without recording an outcome: they stay RUNNING on disk, with their
   * checkpoints, and resume where they were on the next `create` on the same data folder.
   */
  async close(): Promise<void> {
    this.closed = true;
    const outcomes: Promise<unknown>[] = [];
    for (const entry of this.executions.values()) {
      if (entry.record.status !== 'RUNNING' || !entry.running) continue;
      entry.journal.close();
      entry.history.close();
      entry.running.stop(false);
      outcomes.push(entry.running.outcome);
      this.callbacks.closeExecution(entry.record.executionArn);
    }
    await Promise.allSettled(outcomes);
    this.emitter.removeAllListeners();
  }

  private load(): void {
    for (const record of this.store.loadStateMachines()) {
      this.machines.set(record.stateMachineArn, { record, prepared: prepare(record.definition) });
    }
    const toResume: ExecutionEntry[] = [];
    for (const record of this.store.loadExecutions()) {
      // Only a RUNNING execution needs its checkpoint now; a redrive reads an ended one's when asked.
      const checkpoint =
        record.status === 'RUNNING' ? this.store.loadCheckpoint(record.executionArn) : undefined;
      const entry = this.addExecution(record, this.store.loadHistory(record.executionArn), checkpoint);
      if (record.status === 'RUNNING') toResume.push(entry);
    }
    for (const entry of toResume) this.resume(entry);
  }

  /**
   * Continues an execution left RUNNING by the previous process, with the definition it started with,
   * in the state its checkpoint names (or from StartAt when it stopped before entering one).
   */
  private resume(entry: ExecutionEntry): void {
    const { record } = entry;
    const definition = record.definition ?? this.machines.get(record.stateMachineArn)?.record.definition;
    const input = tryParseJson(record.input);
    if (definition === undefined || input === undefined) {
      const cause =
        definition === undefined ? 'State machine no longer exists' : 'Execution input is not JSON';
      this.finish(entry, { status: 'FAILED', error: 'States.Runtime', cause });
      return;
    }
    const checkpoint = entry.journal.state;
    // Callbacks that arrive before the resumed tasks take their tokens again wait for them.
    for (const token of awaitedTokens(checkpoint)) this.callbacks.expect(token, record.executionArn);
    this.launch(
      entry,
      this.preparedFor(definition),
      input,
      checkpoint && {
        checkpoint,
        startDate: record.redriveDate ?? record.startDate,
        // A redrive's state not entered yet when the runtime stopped is entered now.
        entryRecorded: checkpoint.redriven !== true,
      },
    );
  }

  private addExecution(
    record: ExecutionRecord,
    events: StoredHistoryEvent[],
    checkpoint: StateCheckpoint | undefined,
  ): ExecutionEntry {
    const history = new HistoryWriter(events, (event) => {
      this.store.appendHistory(record.executionArn, event);
      this.emitter.emit('change', {
        kind: 'history',
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        event,
      } satisfies ExecutionChange);
    });
    const journal = new ExecutionJournal(checkpoint, (state) =>
      this.store.saveCheckpoint(record.executionArn, state),
    );
    const entry: ExecutionEntry = { record, events, history, journal };
    this.executions.set(record.executionArn, entry);
    return entry;
  }

  private launch(
    entry: ExecutionEntry,
    prepared: PreparedDefinition,
    executionInput: JsonValue,
    resume?: ResumePoint,
  ): void {
    const { record } = entry;
    const machine = this.machines.get(record.stateMachineArn)?.record;
    const checkpoint = resume?.checkpoint;
    const context = new ExecutionContext({
      executionArn: record.executionArn,
      executionName: record.name,
      executionInput,
      startDate: record.startDate,
      roleArn: machine?.roleArn ?? DEFAULT_ROLE,
      redriveCount: record.redriveCount,
      stateMachineArn: record.stateMachineArn,
      stateMachineName: record.stateMachineArn.split(':').at(-1) ?? '',
      tasksByHook: prepared.tasksByHook,
      issueToken: (stateName) => encodeTaskToken({ executionArn: record.executionArn, stateName }),
      resume: checkpoint,
    });
    const running = runExecution({
      prepared,
      input: checkpoint ? checkpoint.input : executionInput,
      context,
      history: entry.history,
      journal: entry.journal,
      resume,
      taskDeps: {
        executionArn: record.executionArn,
        region: this.scope.region,
        integrations: { invokeLambda: this.options.invokeLambda, clients: this.options.clients ?? {} },
        callbacks: this.callbacks,
        timeoutErrors: this.timeoutErrors,
      },
    });
    entry.running = running;
    void running.outcome.then((outcome) => {
      if (entry.running === running && record.status === 'RUNNING' && !entry.history.isClosed) {
        this.finish(entry, outcome);
      }
    });
  }

  /** Prepared definitions by text: executions that started with the same definition share one. */
  private preparedFor(definition: string): PreparedDefinition {
    for (const machine of this.machines.values()) {
      if (machine.record.definition === definition) return machine.prepared;
    }
    return prepare(definition);
  }

  private finish(
    entry: ExecutionEntry,
    outcome: ExecutionOutcome,
    abort?: { error?: string; cause?: string },
  ): void {
    const { record, history } = entry;
    record.status = outcome.status;
    record.stopDate = Date.now();
    switch (outcome.status) {
      case 'SUCCEEDED':
        record.output = JSON.stringify(outcome.output);
        history.append('ExecutionSucceeded', { output: record.output, outputDetails: { truncated: false } });
        break;
      case 'FAILED':
      case 'TIMED_OUT':
        record.error = outcome.error;
        record.cause = outcome.cause;
        history.append(outcome.status === 'FAILED' ? 'ExecutionFailed' : 'ExecutionTimedOut', {
          error: outcome.error,
          cause: outcome.cause,
        });
        break;
      case 'ABORTED':
        record.error = abort?.error;
        record.cause = abort?.cause;
        history.append('ExecutionAborted', { error: abort?.error, cause: abort?.cause });
        break;
    }
    history.close();
    entry.journal.close();
    this.callbacks.closeExecution(record.executionArn);
    this.store.saveExecution(record);
    // An execution that did not succeed keeps its last checkpoint: RedriveExecution continues from it.
    if (record.status === 'SUCCEEDED') this.store.deleteCheckpoint(record.executionArn);
    this.emitStatus(record);
  }

  private emitStatus(record: ExecutionRecord): void {
    // Listeners (the console) get the status, not the definition text every execution carries.
    const { definition: _definition, ...execution } = record;
    this.emitter.emit('change', { kind: 'status', execution } satisfies ExecutionChange);
  }

  private requireMachine(arn: string): { record: StateMachineRecord; prepared: PreparedDefinition } {
    const machine = this.machines.get(assertStateMachineArn(arn));
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private requireTaggable(arn: string): StateMachineRecord {
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('ResourceNotFound', `Resource not found: '${arn}'`);
    return machine.record;
  }

  private requireExecution(arn: string): ExecutionEntry {
    const entry = this.executions.get(assertExecutionArn(arn));
    if (!entry) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return entry;
  }
}

function prepare(definition: string): PreparedDefinition {
  try {
    return prepareDefinition(definition);
  } catch (error) {
    const message = (error as Error).message;
    throw new SfnApiError(
      'InvalidDefinition',
      error instanceof InvalidDefinitionError ? message : `Invalid State Machine Definition: '${message}'`,
    );
  }
}

/** Only STANDARD workflows run here; EXPRESS is refused as AWS refuses an unsupported type. */
function assertStandardType(type: string | undefined): void {
  if (type === undefined || type === 'STANDARD') return;
  if (type === 'EXPRESS') {
    throw new SfnApiError(
      'StateMachineTypeNotSupported',
      'This local runtime runs STANDARD state machines only; EXPRESS is not supported',
    );
  }
  throw new SfnApiError(
    'ValidationException',
    `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
  );
}

/**
 * Where a redrive continues: the execution's last checkpoint (`saved`), or (an execution that ended before
 * checkpoints were kept) the top-level state entered last in its history, without its variables.
 */
function redriveFrom(
  saved: Readonly<StateCheckpoint> | undefined,
  entry: ExecutionEntry,
  prepared: PreparedDefinition,
  now: number,
): StateCheckpoint | undefined {
  if (saved) return redriveCheckpoint(saved, now);
  const from = lastTopLevelEntry(entry.events, prepared.topLevelStates);
  return (
    from &&
    redriveCheckpoint(
      { ...from, enteredAt: now, retryCount: 0, retrierAttempts: [], retryPending: false },
      now,
    )
  );
}

/** The top-level state entered last (where a redrive continues), from the history. */
function lastTopLevelEntry(
  events: readonly StoredHistoryEvent[],
  topLevelStates: ReadonlyMap<string, JsonObject>,
): { name: string; type: string; input: JsonValue } | undefined {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const details = events[index]?.stateEnteredEventDetails;
    const state = details?.name === undefined ? undefined : topLevelStates.get(details.name);
    if (!details?.name || !state) continue;
    const input = tryParseJson(details.input ?? 'null');
    return { name: details.name, type: String(state['Type']), input: input ?? null };
  }
  return undefined;
}

import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { ExecutionJournal, StateCheckpoint } from './checkpoint.ts';
import { HOOK_KEYS, asWritten } from './definition.ts';
import type { PreparedDefinition, QueryStateSpec } from './definition.ts';
import type { ExecutionContext, TaskAttempt } from './execution-context.ts';
import type { HistoryWriter } from './history-writer.ts';
import { StateMachine } from './interpreter.ts';
import type { InterpreterJson, StateMachineDefinition } from './interpreter.ts';
import { InterpreterEventMapper } from './interpreter-events.ts';
import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { assignAfterJsonPathTask, runJsonataTask, runQueryState } from './query-states.ts';
import { runCompositeState } from './composite-states.ts';
import type { CompositeDeps, ScopeRun } from './composite-states.ts';
import { dataLimitCause } from './payload-limit.ts';
import { TaskError, describeError } from './task-error.ts';
import { runTaskAttempt } from './task-runner.ts';
import type { TaskRunnerDeps } from './task-runner.ts';

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: JsonValue }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string; cause: string }
  | { status: 'ABORTED' };

export interface RunningExecution {
  /** Settles once the interpreter is done and every state event is in the history. */
  outcome: Promise<ExecutionOutcome>;
  /** Stops the execution; with `recordAborted` the states in progress get `<Type>StateAborted`. */
  stop(recordAborted: boolean): void;
}

export interface ResumePoint {
  checkpoint: StateCheckpoint;
  startDate: number;
  entryRecorded: boolean;
}

export interface RunExecutionOptions {
  prepared: PreparedDefinition;
  /** The execution's input, or on resume the input of the state it resumes in. */
  input: JsonValue;
  context: ExecutionContext;
  history: HistoryWriter;
  journal: ExecutionJournal;
  /**
   * Start in the checkpointed state instead of StartAt. `startDate`: when the execution's
   * TimeoutSeconds began; `entryRecorded`: the state's entry is already in the history (a restart,
   * not a redrive that has not entered it yet).
   */
  resume?: ResumePoint;
  taskDeps: Omit<TaskRunnerDeps, 'signal' | 'history' | 'context' | 'journal'>;
}

/** Runs one execution on aws-local-stepfunctions, every Task state through our task runner. */
export function runExecution(options: RunExecutionOptions): RunningExecution {
  const { prepared, context, history, journal, resume } = options;
  const controller = new AbortController();
  let limitExceeded: ExecutionOutcome | undefined;
  const scope = runScope({
    definition: resume ? resumedDefinition(prepared, resume) : prepared.interpreterDefinition,
    checkpointedStates: prepared.topLevelStates,
    input: options.input,
    context,
    journal,
    resume,
    shared: {
      prepared,
      history,
      taskDeps: options.taskDeps,
      signal: controller.signal,
      onDataLimitExceeded(stateName, what) {
        if (limitExceeded) return;
        limitExceeded = {
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause: dataLimitCause(stateName, what),
        };
        controller.abort();
      },
    },
  });

  const outcome = (async (): Promise<ExecutionOutcome> => {
    let result: ExecutionOutcome;
    try {
      const output = await scope.result;
      result = controller.signal.aborted ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output };
    } catch (error) {
      result = classify(error);
    }
    controller.abort();
    await scope.settled;
    return limitExceeded ?? result;
  })();

  return {
    outcome,
    stop(recordAborted) {
      scope.stop(recordAborted);
      controller.abort();
    },
  };
}

/** What every scope (the top level, each branch and iteration) of one execution shares. */
interface SharedScopeDeps {
  prepared: PreparedDefinition;
  history: HistoryWriter;
  taskDeps: RunExecutionOptions['taskDeps'];
  /** Aborted when the execution ends or stops. */
  signal: AbortSignal;
  onDataLimitExceeded(stateName: string, what: 'input' | 'output'): void;
}

interface ScopeOptions {
  /** The interpreter's definition (its StartAt already the resumed state, when resuming). */
  definition: StateMachineDefinition;
  /** The scope's own states as registered: their entries are checkpointed in `journal`. */
  checkpointedStates: ReadonlyMap<string, JsonObject>;
  input: JsonValue;
  context: ExecutionContext;
  journal: ExecutionJournal;
  resume?: Pick<ResumePoint, 'checkpoint' | 'entryRecorded'>;
  shared: SharedScopeDeps;
}

/**
 * One interpreter run: the top level of an execution, or a branch/iteration of a Map or Parallel
 * state. `result` settles with the scope's output, or rejects with the error of the state that failed
 * it; `settled` once every state event is in the history.
 */
function runScope(options: ScopeOptions): ScopeRun {
  const { context, journal, resume, shared } = options;
  const { prepared, history } = shared;
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, shared.signal]);
  const children = new Set<ScopeRun>();
  const stopListeners = new Set<(recordAborted: boolean) => void>();
  const taskDeps: TaskRunnerDeps = { ...shared.taskDeps, history, context, journal, signal };
  const handlers: Record<string, (input: unknown) => Promise<InterpreterJson>> = {};
  for (const name of prepared.tasksByName.keys()) {
    const query = prepared.queryStates.get(name);
    handlers[name] = (input: unknown) => {
      // Synchronously: the attempt is the one whose Parameters hook just ran.
      const attempt = context.takeAttempt(name);
      if (!query) return runTaskAttempt(attempt, input, taskDeps) as Promise<InterpreterJson>;
      return runRuntimeTask(query, attempt, input, taskDeps) as Promise<InterpreterJson>;
    };
  }
  const queryDeps = { context, journal, signal };
  for (const [name, query] of prepared.queryStates) {
    if (prepared.tasksByName.has(name)) continue;
    handlers[name] = (input: unknown) =>
      runQueryState(query, input as JsonValue, queryDeps) as Promise<InterpreterJson>;
  }
  let resumable = resume?.checkpoint.name;
  const resumeKind = resume?.entryRecorded === false ? 'redrive' : 'restart';
  const compositeDeps: CompositeDeps = {
    context,
    journal,
    history,
    signal,
    isTimeout: shared.taskDeps.timeoutErrors.isTimeout,
    onStop(listener) {
      stopListeners.add(listener);
      return () => stopListeners.delete(listener);
    },
    resumes(stateName) {
      if (resumable !== stateName) return undefined;
      resumable = undefined;
      return resumeKind;
    },
    runBranch(branch, input, scope) {
      const child = runScope({
        definition: scope.resume ? { ...branch.definition, StartAt: scope.resume.name } : branch.definition,
        checkpointedStates: branch.states,
        input,
        context: scope.context,
        journal: scope.journal,
        resume: scope.resume && { checkpoint: scope.resume, entryRecorded: scope.resume.redriven !== true },
        shared: { ...shared, signal },
      });
      children.add(child);
      void child.settled.then(() => children.delete(child));
      return child;
    },
  };
  for (const [name, composite] of prepared.composites) {
    handlers[name] = (input: unknown) =>
      runCompositeState(composite, input as JsonValue, compositeDeps) as Promise<InterpreterJson>;
  }

  const machine = new StateMachine(options.definition, { validationOptions: { noValidate: true } });
  const run = machine.run(options.input as InterpreterJson, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: context.retryIntervals,
      waitTimeOverrides: resume ? remainingWait(resume.checkpoint) : {},
    },
    context: context.contextObject,
    noThrowOnAbort: true,
  });
  const onAbort = (): void => run.abort();
  signal.addEventListener('abort', onAbort, { once: true });

  const mapper = new InterpreterEventMapper({
    history,
    journal,
    topLevelStates: options.checkpointedStates,
    typeOverrides: prepared.typeOverrides,
    variables: () => context.variables,
    resumed: resume && { name: resume.checkpoint.name, entryRecorded: resume.entryRecorded },
    onDataLimitExceeded: shared.onDataLimitExceeded,
  });
  const settled = (async () => {
    for await (const event of run.eventLogs) mapper.handle(event);
  })();

  const result = (async (): Promise<JsonValue> => {
    try {
      return (await run.result) as JsonValue;
    } catch (error) {
      throw error instanceof ExecutionError ? error.cause : error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  })();
  result.catch(() => undefined);

  return {
    result,
    settled,
    stop(recordAborted) {
      if (recordAborted) mapper.abortActive();
      for (const listener of stopListeners) listener(recordAborted);
      for (const child of children) child.stop(recordAborted);
      controller.abort();
    },
  };
}

/** A Task the runtime evaluates: JSONata (Arguments, Output, Assign) or JSONPath with Assign. */
async function runRuntimeTask(
  query: QueryStateSpec,
  attempt: TaskAttempt,
  input: unknown,
  deps: TaskRunnerDeps,
): Promise<JsonValue> {
  if (query.language === 'JSONPath') {
    const result = await runTaskAttempt(attempt, input, deps);
    return assignAfterJsonPathTask(query, result, deps.context);
  }
  // The interpreter's copy hands over the raw state input as the wrapped Parameters (a JSONata state
  // has none); the integration gets the evaluated Arguments instead.
  const wrapped = isJsonObject(input) ? input : {};
  const stateInput = wrapped[HOOK_KEYS.params] ?? null;
  deps.context.rememberInput(query.name, stateInput);
  return runJsonataTask(query, stateInput, deps.context, (argumentsValue) =>
    runTaskAttempt(attempt, { ...wrapped, [HOOK_KEYS.params]: argumentsValue }, deps),
  );
}

/** The interpreter's definition for a resumed execution: it starts in the checkpointed state, and the
 * execution's TimeoutSeconds counts from the original start. */
function resumedDefinition(prepared: PreparedDefinition, resume: ResumePoint): StateMachineDefinition {
  const definition = { ...prepared.interpreterDefinition, StartAt: resume.checkpoint.name };
  if (definition.TimeoutSeconds !== undefined && prepared.timeoutSeconds !== undefined) {
    const elapsed = (Date.now() - resume.startDate) / 1000;
    definition.TimeoutSeconds = Math.max(0.001, prepared.timeoutSeconds - elapsed);
  }
  return definition;
}

/** A Wait state resumed after a restart waits only until its original deadline, once. */
function remainingWait(checkpoint: StateCheckpoint): Record<string, number> {
  const overrides: Record<string, number> = {};
  const { waitUntil } = checkpoint;
  if (checkpoint.type !== 'Wait' || waitUntil === undefined) return overrides;
  let used = false;
  Object.defineProperty(overrides, checkpoint.name, {
    enumerable: true,
    get: () => {
      if (used) return undefined;
      used = true;
      return Math.max(0, waitUntil - Date.now());
    },
  });
  return overrides;
}

const JAVASCRIPT_ERRORS = new Set(['SyntaxError', 'TypeError', 'RangeError', 'ReferenceError']);

function classify(error: unknown): ExecutionOutcome {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (error instanceof ExecutionTimeoutError) {
    return {
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: 'The execution exceeded its TimeoutSeconds',
    };
  }
  const failure = error;
  const { name, message } = describeError(failure);
  // A JavaScript error escaping the interpreter (an intrinsic given bad input, e.g. States.StringToJson
  // on text that is not JSON) is what AWS reports as a States.Runtime error.
  if (!(failure instanceof TaskError) && JAVASCRIPT_ERRORS.has(name)) {
    return {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: `An error occurred while executing the state: ${asWritten(message)}`,
    };
  }
  return { status: 'FAILED', error: name, cause: asWritten(message) };
}

import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { ExecutionJournal, StateCheckpoint } from './checkpoint';
import { HOOK_KEYS, asWritten } from './definition';
import type { PreparedDefinition, QueryStateSpec } from './definition';
import type { ExecutionContext, TaskAttempt } from './execution-context';
import type { HistoryWriter } from './history-writer';
import { StateMachine } from './interpreter';
import type { InterpreterJson, StateMachineDefinition } from './interpreter';
import { InterpreterEventMapper } from './interpreter-events';
import { isJsonObject } from './json';
import type { JsonValue } from './json';
import { assignAfterJsonPathTask, runJsonataTask, runQueryState } from './query-states';
import { dataLimitCause } from './payload-limit';
import { TaskError, describeError } from './task-error';
import { runTaskAttempt } from './task-runner';
import type { TaskRunnerDeps } from './task-runner';

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
   * not a redrive).
   */
  resume?: ResumePoint;
  taskDeps: Omit<TaskRunnerDeps, 'signal' | 'history' | 'context' | 'journal'>;
}

/** Runs one execution on aws-local-stepfunctions, every Task state through our task runner. */
export function runExecution(options: RunExecutionOptions): RunningExecution {
  const { prepared, context, history, journal, resume } = options;
  const controller = new AbortController();
  const taskDeps: TaskRunnerDeps = {
    ...options.taskDeps,
    history,
    context,
    journal,
    signal: controller.signal,
  };
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
  const queryDeps = { context, journal, signal: controller.signal };
  for (const [name, query] of prepared.queryStates) {
    if (prepared.tasksByName.has(name)) continue;
    handlers[name] = (input: unknown) =>
      runQueryState(query, input as JsonValue, queryDeps) as Promise<InterpreterJson>;
  }

  const machine = new StateMachine(
    resume ? resumedDefinition(prepared, resume) : prepared.interpreterDefinition,
    {
      validationOptions: { noValidate: true },
    },
  );
  const run = machine.run(options.input as InterpreterJson, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: context.retryIntervals,
      waitTimeOverrides: resume ? remainingWait(resume.checkpoint) : {},
    },
    context: context.contextObject,
    noThrowOnAbort: true,
  });

  let limitExceeded: ExecutionOutcome | undefined;
  const mapper = new InterpreterEventMapper({
    history,
    journal,
    topLevelStates: prepared.topLevelStates,
    typeOverrides: prepared.typeOverrides,
    variables: () => context.variables,
    resumedState: resume?.entryRecorded ? resume.checkpoint.name : undefined,
    onDataLimitExceeded(stateName, what) {
      if (limitExceeded) return;
      limitExceeded = {
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause: dataLimitCause(stateName, what),
      };
      controller.abort();
      run.abort();
    },
  });
  const consumed = (async () => {
    for await (const event of run.eventLogs) mapper.handle(event);
  })();

  const outcome = (async (): Promise<ExecutionOutcome> => {
    let result: ExecutionOutcome;
    try {
      const output = await run.result;
      result = controller.signal.aborted
        ? { status: 'ABORTED' }
        : { status: 'SUCCEEDED', output: output as JsonValue };
    } catch (error) {
      result = classify(error);
    }
    controller.abort();
    await consumed;
    return limitExceeded ?? result;
  })();

  return {
    outcome,
    stop(recordAborted) {
      if (recordAborted) mapper.abortActive();
      controller.abort();
      run.abort();
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

/** The interpreter's definition for a resumed run: it starts in the checkpointed state, and the
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
  const failure = error instanceof ExecutionError ? error.cause : error;
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

import type { CallbackOutcome, CallbackRegistry } from './callback-registry.ts';
import type { AttemptOutcome, ExecutionJournal, StateCheckpoint } from './checkpoint.ts';
import { HOOK_KEYS } from './definition.ts';
import type { ExecutionContext, TaskAttempt } from './execution-context.ts';
import { json } from './history-writer.ts';
import type { HistoryWriter } from './history-writer.ts';
import { invokeIntegration } from './integrations.ts';
import type { IntegrationDeps } from './integrations.ts';
import { isJsonObject } from './json.ts';
import { MAX_PAYLOAD_BYTES, dataLimitCause, payloadBytes } from './payload-limit.ts';
import type { JsonValue } from './json.ts';
import { TaskClock } from './task-clock.ts';
import type { TaskClockErrors } from './task-clock.ts';
import { RetryDecidedError, TaskError, describeError } from './task-error.ts';

export interface TaskRunnerDeps {
  executionArn: string;
  region: string;
  integrations: IntegrationDeps;
  callbacks: CallbackRegistry;
  history: HistoryWriter;
  context: ExecutionContext;
  /** Write-ahead record of the scope (the top level, or a Map/Parallel branch) the Task runs in. */
  journal: ExecutionJournal;
  timeoutErrors: TaskClockErrors & { isTimeout: (error: unknown) => boolean };
  /** Aborted when the execution ends or is stopped: the attempt stops waiting and records nothing. */
  signal: AbortSignal;
}

const RESULT_EVENTS = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'LambdaFunctionSucceeded',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
]);
const SCHEDULED_EVENTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);

/**
 * Runs one attempt of a Task state (called by the interpreter with the wrapped Parameters) and
 * records it in the history as AWS does: TaskScheduled, TaskStarted, [TaskSubmitted],
 * TaskSucceeded | TaskFailed | TaskTimedOut — or the LambdaFunction* events for a Lambda ARN resource.
 *
 * For a top-level state each step is saved in the execution's journal before it becomes visible: the
 * attempt (with its task token) before the integration is called, `submitted` once it returned, the
 * outcome before the interpreter sees it (a callback's outcome before SendTaskSuccess is answered),
 * and the retry decision with its due time. An attempt resumed after a restart continues from there.
 */
export async function runTaskAttempt(
  attempt: TaskAttempt,
  input: unknown,
  deps: TaskRunnerDeps,
): Promise<JsonValue> {
  const { spec, resumed } = attempt;
  const wrapped = isJsonObject(input) ? input : {};
  const parameters = wrapped[HOOK_KEYS.params] ?? null;
  const timeoutSeconds =
    resumed?.timeoutSeconds ?? spec.timeoutSeconds ?? positiveInteger(wrapped[HOOK_KEYS.timeoutSeconds]);
  const heartbeatSeconds =
    resumed?.heartbeatSeconds ??
    spec.heartbeatSeconds ??
    positiveInteger(wrapped[HOOK_KEYS.heartbeatSeconds]);
  const events = eventsFor(attempt, deps);
  const save = (change: (checkpoint: StateCheckpoint) => void): void =>
    deps.journal.update(spec.name, change);

  // The interpreter announced the state synchronously; let that event reach the history first.
  await new Promise((resolve) => setImmediate(resolve));
  if (deps.signal.aborted) throw new TaskError('States.Runtime', 'Execution is no longer running');
  const { stopped, dispose } = abortPromise(deps.signal);
  if (attempt.notBefore !== undefined) await Promise.race([sleepUntil(attempt.notBefore), stopped]);

  const startedAt = resumed?.startedAt ?? Date.now();
  if (!resumed) {
    save((checkpoint) => {
      checkpoint.enteredTime = attempt.enteredTime;
      checkpoint.retryCount = attempt.retryCount;
      checkpoint.retryPending = false;
      delete checkpoint.retryDueAt;
      checkpoint.attempt = {
        retryCount: attempt.retryCount,
        startedAt,
        token: attempt.token,
        timeoutSeconds,
        heartbeatSeconds,
        submitted: false,
      };
    });
    events.scheduled(parameters, timeoutSeconds, heartbeatSeconds);
  }
  const resultRecorded =
    resumed?.outcome !== undefined &&
    deps.history.lastIndexOf(RESULT_EVENTS) > deps.history.lastIndexOf(SCHEDULED_EVENTS);
  const clock = new TaskClock(
    { timeoutSeconds, heartbeatSeconds, startedAt, heartbeatAt: resumed?.heartbeatAt },
    deps.timeoutErrors,
  );
  try {
    let work: Promise<JsonValue>;
    if (resumed?.outcome) work = replayOutcome(resumed.outcome, deps);
    else if (attempt.token === undefined)
      work = invokeIntegration(spec.resource, parameters, deps.integrations);
    else
      work = runCallback(attempt.token, parameters, clock, events, deps, save, resumed?.submitted ?? false);
    const output = await Promise.race([work, clock.expired, stopped]);
    if (payloadBytes(json(output)) > MAX_PAYLOAD_BYTES) {
      throw new TaskError('States.DataLimitExceeded', dataLimitCause(spec.name, 'result'));
    }
    if (!resumed?.outcome) {
      save((checkpoint) => {
        if (checkpoint.attempt) checkpoint.attempt.outcome = { kind: 'success', output };
      });
    }
    if (!resultRecorded) events.succeeded(output);
    deps.context.attemptSucceeded(spec);
    return output;
  } catch (error) {
    if (deps.signal.aborted) throw error;
    const isTimeout = deps.timeoutErrors.isTimeout(error);
    const { name, message } = describeError(error);
    if (!resultRecorded) {
      if (isTimeout) events.timedOut(name, message);
      else events.failed(name, message);
    }
    const delay = deps.context.attemptFailed(spec, name, isTimeout);
    const retrierAttempts = [...(deps.context.entryOf(spec.name)?.retrierAttempts ?? [])];
    save((checkpoint) => {
      checkpoint.retrierAttempts = retrierAttempts;
      if (delay === undefined) {
        if (checkpoint.attempt) {
          checkpoint.attempt.outcome = { kind: 'failure', error: name, cause: message, timeout: isTimeout };
        }
      } else {
        checkpoint.retryPending = true;
        checkpoint.retryDueAt = Date.now() + delay;
        delete checkpoint.attempt;
      }
    });
    if (delay !== undefined) throw new RetryDecidedError(message);
    throw error;
  } finally {
    clock.stop();
    dispose();
    if (attempt.token !== undefined) deps.callbacks.close(attempt.token);
  }
}

async function runCallback(
  token: string,
  parameters: JsonValue,
  clock: TaskClock,
  events: TaskEvents,
  deps: TaskRunnerDeps,
  save: (change: (checkpoint: StateCheckpoint) => void) => void,
  alreadySubmitted: boolean,
): Promise<JsonValue> {
  const outcome = new Promise<CallbackOutcome>((settle) => {
    // Open before sending: a fast worker may answer before the send returns.
    deps.callbacks.register(token, {
      executionArn: deps.executionArn,
      settle: (result) => {
        // Saved before SendTaskSuccess/Failure is answered: an acknowledged callback is never lost.
        save((checkpoint) => {
          if (checkpoint.attempt)
            checkpoint.attempt.outcome =
              result.kind === 'success'
                ? result
                : { kind: 'failure', error: result.error, cause: result.cause };
        });
        settle(result);
      },
      heartbeat: () => {
        const at = Date.now();
        save((checkpoint) => {
          if (checkpoint.attempt) checkpoint.attempt.heartbeatAt = at;
        });
        clock.heartbeat(at);
      },
    });
  });
  if (!alreadySubmitted) {
    // After a restart between the send and its checkpoint the send is repeated with the same
    // parameters (same token, EnteredTime and RetryCount): idempotent where the call is (FIFO dedup).
    const submitted = await invokeIntegration(events.resource, parameters, deps.integrations);
    save((checkpoint) => {
      if (checkpoint.attempt) checkpoint.attempt.submitted = true;
    });
    events.submitted(submitted);
  }
  const result = await outcome;
  if (result.kind === 'failure') throw new TaskError(result.error, result.cause);
  return result.output;
}

/** An attempt whose outcome was saved before the restart ends the same way again. */
function replayOutcome(outcome: AttemptOutcome, deps: TaskRunnerDeps): Promise<JsonValue> {
  if (outcome.kind === 'success') return Promise.resolve(outcome.output);
  const { error, cause } = outcome;
  if (!outcome.timeout) return Promise.reject(new TaskError(error, cause));
  const timeout =
    error === 'States.HeartbeatTimeout'
      ? deps.timeoutErrors.heartbeat(cause)
      : deps.timeoutErrors.timeout(cause);
  return Promise.reject(timeout);
}

function sleepUntil(instant: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now())));
}

interface TaskEvents {
  resource: TaskAttempt['spec']['resource'];
  scheduled(parameters: JsonValue, timeoutSeconds?: number, heartbeatSeconds?: number): void;
  submitted(output: JsonValue): void;
  succeeded(output: JsonValue): void;
  failed(error: string, cause: string): void;
  timedOut(error: string, cause: string): void;
}

function eventsFor(attempt: TaskAttempt, deps: TaskRunnerDeps): TaskEvents {
  const { resource } = attempt.spec;
  const { history } = deps;
  if (resource.kind === 'lambda-function') {
    return {
      resource,
      scheduled(parameters, timeoutSeconds) {
        history.append('LambdaFunctionScheduled', {
          resource: resource.arn,
          input: json(parameters),
          inputDetails: { truncated: false },
          timeoutInSeconds: timeoutSeconds,
        });
        history.append('LambdaFunctionStarted');
      },
      submitted: () => undefined,
      succeeded: (output) =>
        history.append('LambdaFunctionSucceeded', {
          output: json(output),
          outputDetails: { truncated: false },
        }),
      failed: (error, cause) => history.append('LambdaFunctionFailed', { error, cause }),
      timedOut: (error, cause) => history.append('LambdaFunctionTimedOut', { error, cause }),
    };
  }
  const { resourceType, resource: name } = resource;
  return {
    resource,
    scheduled(parameters, timeoutSeconds, heartbeatSeconds) {
      history.append('TaskScheduled', {
        resourceType,
        resource: name,
        region: deps.region,
        parameters: json(parameters),
        timeoutInSeconds: timeoutSeconds,
        heartbeatInSeconds: heartbeatSeconds,
      });
      history.append('TaskStarted', { resourceType, resource: name });
    },
    submitted: (output) =>
      history.append('TaskSubmitted', {
        resourceType,
        resource: name,
        output: json(output),
        outputDetails: { truncated: false },
      }),
    succeeded: (output) =>
      history.append('TaskSucceeded', {
        resourceType,
        resource: name,
        output: json(output),
        outputDetails: { truncated: false },
      }),
    failed: (error, cause) => history.append('TaskFailed', { resourceType, resource: name, error, cause }),
    timedOut: (error, cause) =>
      history.append('TaskTimedOut', { resourceType, resource: name, error, cause }),
  };
}

/**
 * Rejects when the execution stops. `dispose` removes the listener once the attempt is over: an
 * execution runs many attempts on one signal, and listeners left behind pile up (and warn).
 */
function abortPromise(signal: AbortSignal): { stopped: Promise<never>; dispose: () => void } {
  let onAbort = (): void => undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new TaskError('States.Runtime', 'Execution is no longer running'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  stopped.catch(() => undefined);
  return { stopped, dispose: () => signal.removeEventListener('abort', onAbort) };
}

function positiveInteger(value: JsonValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TaskError(
      'States.Runtime',
      `Expected a positive integer number of seconds, got ${json(value)}`,
    );
  }
  return value;
}

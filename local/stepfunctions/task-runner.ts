import type { CallbackOutcome, CallbackRegistry } from './callback-registry';
import { HOOK_KEYS } from './definition';
import type { ExecutionContext, TaskAttempt } from './execution-context';
import { json } from './history-writer';
import type { HistoryWriter } from './history-writer';
import { invokeIntegration } from './integrations';
import type { IntegrationDeps } from './integrations';
import { isJsonObject } from './json';
import type { JsonValue } from './json';
import { TaskClock } from './task-clock';
import type { TaskClockErrors } from './task-clock';
import { TaskError, describeError } from './task-error';

export interface TaskRunnerDeps {
  executionArn: string;
  region: string;
  integrations: IntegrationDeps;
  callbacks: CallbackRegistry;
  history: HistoryWriter;
  context: ExecutionContext;
  timeoutErrors: TaskClockErrors & { isTimeout: (error: unknown) => boolean };
  /** Aborted when the execution ends or is stopped: the attempt stops waiting and records nothing. */
  signal: AbortSignal;
}

/**
 * Runs one attempt of a Task state (called by the interpreter with the wrapped Parameters) and
 * records it in the history as AWS does: TaskScheduled, TaskStarted, [TaskSubmitted],
 * TaskSucceeded | TaskFailed | TaskTimedOut — or the LambdaFunction* events for a Lambda ARN resource.
 */
export async function runTaskAttempt(
  attempt: TaskAttempt,
  input: unknown,
  deps: TaskRunnerDeps,
): Promise<JsonValue> {
  const { spec } = attempt;
  const wrapped = isJsonObject(input) ? input : {};
  const parameters = wrapped[HOOK_KEYS.params] ?? null;
  const timeoutSeconds = spec.timeoutSeconds ?? positiveInteger(wrapped[HOOK_KEYS.timeoutSeconds]);
  const heartbeatSeconds = spec.heartbeatSeconds ?? positiveInteger(wrapped[HOOK_KEYS.heartbeatSeconds]);
  const events = eventsFor(attempt, deps);

  // The interpreter announced the state synchronously; let that event reach the history first.
  await new Promise((resolve) => setImmediate(resolve));
  const stopped = abortPromise(deps.signal);
  if (deps.signal.aborted) throw new TaskError('States.Runtime', 'Execution is no longer running');

  events.scheduled(parameters, timeoutSeconds, heartbeatSeconds);
  const clock = new TaskClock(timeoutSeconds, heartbeatSeconds, deps.timeoutErrors);
  try {
    const work =
      attempt.token === undefined
        ? invokeIntegration(spec.resource, parameters, deps.integrations)
        : runCallback(attempt.token, parameters, clock, events, deps);
    const output = await Promise.race([work, clock.expired, stopped]);
    events.succeeded(output);
    deps.context.attemptSucceeded(spec);
    return output;
  } catch (error) {
    if (deps.signal.aborted) throw error;
    const isTimeout = deps.timeoutErrors.isTimeout(error);
    const { name, message } = describeError(error);
    if (isTimeout) events.timedOut(name, message);
    else events.failed(name, message);
    deps.context.attemptFailed(spec, name, isTimeout);
    throw error;
  } finally {
    clock.stop();
    if (attempt.token !== undefined) deps.callbacks.close(attempt.token);
  }
}

async function runCallback(
  token: string,
  parameters: JsonValue,
  clock: TaskClock,
  events: TaskEvents,
  deps: TaskRunnerDeps,
): Promise<JsonValue> {
  const outcome = new Promise<CallbackOutcome>((settle) => {
    // Open before sending: a fast worker may answer before the send returns.
    deps.callbacks.register(token, {
      executionArn: deps.executionArn,
      settle,
      heartbeat: () => clock.heartbeat(),
    });
  });
  const submitted = await invokeIntegration(events.resource, parameters, deps.integrations);
  events.submitted(submitted);
  const result = await outcome;
  if (result.kind === 'failure') throw new TaskError(result.error, result.cause);
  return result.output;
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

function abortPromise(signal: AbortSignal): Promise<never> {
  const stopped = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(new TaskError('States.Runtime', 'Execution is no longer running'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  stopped.catch(() => undefined);
  return stopped;
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

/**
 * The one place that touches aws-local-stepfunctions. v3 declares Node >= 22 and calls
 * `Promise.withResolvers` (ES2024) in its Task state; on Node 20 every Task failed with
 * "Promise.withResolvers is not a function". Installing that one spec-conformant function when it is
 * missing is enough: nothing else in the library needs Node 22.
 */
import { StateMachine } from 'aws-local-stepfunctions';

if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export { StateMachine };
export type { StateMachineDefinition, RunOptions } from 'aws-local-stepfunctions';
export type InterpreterRun = ReturnType<StateMachine['run']>;
export type InterpreterEvent = InterpreterRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type InterpreterJson = Parameters<StateMachine['run']>[0];

type ErrorClass = new () => Error;
let timeoutErrorClass: Promise<ErrorClass> | undefined;

/**
 * The library treats `States.TaskFailed` as matching everything except its own (unexported)
 * `StatesTimeoutError`, by `instanceof`. Our timeouts must be instances of that class so that Retry and
 * Catch rules behave as on AWS; we obtain it once by letting a 1 ms Task time out.
 */
export function statesTimeoutErrorClass(): Promise<ErrorClass> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: 'probe', TimeoutSeconds: 0.001, End: true } },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => undefined) } },
    });
    try {
      await run.result;
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'States.Timeout') return cause.constructor as ErrorClass;
    }
    throw new Error('aws-local-stepfunctions: could not obtain its States.Timeout error class');
  })();
  return timeoutErrorClass;
}

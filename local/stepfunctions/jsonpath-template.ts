import { StateMachine } from './interpreter.ts';
import type { InterpreterJson } from './interpreter.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { TaskError } from './task-error.ts';

/**
 * Evaluates a JSONPath payload template (`"key.$"` paths and intrinsic functions over `input` and the
 * context `$$`) exactly as the interpreter evaluates Parameters: as the Parameters of a one-state
 * machine. A failure is `States.Runtime`, its cause naming `what` was evaluated.
 */
export async function evaluateJsonPathTemplate(
  template: JsonObject,
  input: JsonValue,
  context: Record<string, unknown>,
  what: string,
): Promise<JsonValue> {
  const evaluator = new StateMachine(
    { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } },
    { validationOptions: { noValidate: true } },
  );
  const run = evaluator.run(input as InterpreterJson, { context });
  try {
    return (await run.result) as JsonValue;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TaskError('States.Runtime', `An error occurred while evaluating ${what}: ${message}`);
  }
}

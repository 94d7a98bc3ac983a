import type { ExecutionJournal } from './checkpoint.ts';
import type { QueryStateSpec } from './definition.ts';
import type { ExecutionContext } from './execution-context.ts';
import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { QUERY_EVALUATION_ERROR, evaluateTemplate } from './jsonata-query.ts';
import type { QueryScope } from './jsonata-query.ts';
import { evaluateJsonPathTemplate } from './jsonpath-template.ts';
import { TaskError } from './task-error.ts';

export interface QueryStateDeps {
  context: ExecutionContext;
  journal: ExecutionJournal;
  signal: AbortSignal;
}

/** What a state of the runtime's evaluation knows while it runs. */
export interface StateData {
  input: JsonValue;
  result?: JsonValue;
  errorOutput?: JsonValue;
}

/**
 * Runs a Pass, Succeed, Fail, Choice or Wait state the runtime evaluates (JSONata, or JSONPath with
 * `Assign`), as the handler of the interpreter's Task copy. JSONPath states arrive here with InputPath
 * and Parameters applied (the interpreter applies ResultPath and OutputPath to what this returns).
 */
export async function runQueryState(
  spec: QueryStateSpec,
  input: JsonValue,
  deps: QueryStateDeps,
): Promise<JsonValue> {
  // The interpreter announced the state synchronously: its entry (and checkpoint, with the variables
  // as they were) reaches the journal before anything here changes them.
  await new Promise((resolve) => setImmediate(resolve));
  const { state } = spec;
  if (spec.language === 'JSONPath') {
    const result = 'Result' in state ? (state['Result'] as JsonValue) : input;
    await assignJsonPath(spec, result, deps.context);
    return result;
  }
  switch (spec.type) {
    case 'Fail':
      return fail(spec, input, deps);
    case 'Choice':
      return choose(spec, input, deps);
    case 'Catch': {
      // The interpreter hands the caught error over as this hidden state's input.
      const owner = spec.catching ?? spec.name;
      const data = { input: deps.context.inputOf(owner), errorOutput: input };
      return finishJsonata({ ...spec, name: owner }, state, data, input, deps.context);
    }
    case 'Wait':
      await wait(spec, input, deps);
      return finishJsonata(spec, state, { input }, input, deps.context);
    default:
      return finishJsonata(spec, state, { input }, input, deps.context);
  }
}

/** A JSONata Task's work around its integration call: Arguments before, Output and Assign after. */
export async function runJsonataTask(
  spec: QueryStateSpec,
  input: JsonValue,
  context: ExecutionContext,
  invoke: (argumentsValue: JsonValue) => Promise<JsonValue>,
): Promise<JsonValue> {
  const { state } = spec;
  const argumentsValue =
    'Arguments' in state
      ? await evaluateTemplate(
          state['Arguments'] as JsonValue,
          scopeOf(spec, { input }, context),
          'Arguments',
        )
      : input;
  const result = await invoke(argumentsValue);
  return finishJsonata(spec, state, { input, result }, result, context);
}

/** A JSONPath Task with `Assign`: the variables are evaluated against the task's result. */
export async function assignAfterJsonPathTask(
  spec: QueryStateSpec,
  result: JsonValue,
  context: ExecutionContext,
): Promise<JsonValue> {
  await assignJsonPath(spec, result, context);
  return result;
}

/** Output and Assign, both evaluated against the variables as they were before this state. */
export async function finishJsonata(
  spec: QueryStateSpec,
  rules: JsonObject,
  data: StateData,
  defaultOutput: JsonValue,
  context: ExecutionContext,
): Promise<JsonValue> {
  const scope = scopeOf(spec, data, context);
  const output =
    'Output' in rules ? await evaluateTemplate(rules['Output'] as JsonValue, scope, 'Output') : defaultOutput;
  const assign = rules['Assign'];
  if (isJsonObject(assign)) {
    const values = await evaluateTemplate(assign, scope, 'Assign');
    if (isJsonObject(values)) context.assignVariables(values);
  }
  return output;
}

/** `$states` (input, result, errorOutput, context) and the variables, as the state `spec` sees them. */
export function scopeOf(spec: QueryStateSpec, data: StateData, context: ExecutionContext): QueryScope {
  const states: JsonObject = { input: data.input, context: context.publicContext(spec.name) };
  if (data.result !== undefined) states['result'] = data.result;
  if (data.errorOutput !== undefined) states['errorOutput'] = data.errorOutput;
  return { states, variables: context.variables };
}

async function fail(spec: QueryStateSpec, input: JsonValue, deps: QueryStateDeps): Promise<never> {
  const scope = scopeOf(spec, { input }, deps.context);
  const error = await evaluateTemplate(spec.state['Error'] ?? null, scope, 'Error');
  const cause = await evaluateTemplate(spec.state['Cause'] ?? null, scope, 'Cause');
  const text = (value: JsonValue, field: string): string => {
    if (value === null || typeof value === 'string') return value ?? '';
    throw new TaskError(
      QUERY_EVALUATION_ERROR,
      `The field '${field}' of state '${spec.name}' must be a string`,
    );
  };
  throw new FailStateError(text(error, 'Error'), text(cause, 'Cause'));
}

/** A Fail state's error: not retried nor caught (a Fail state has neither). */
class FailStateError extends TaskError {}

/** `{"rule": index | -1, "output": …}` for the hidden routing Choice (see definition.ts). */
async function choose(spec: QueryStateSpec, input: JsonValue, deps: QueryStateDeps): Promise<JsonValue> {
  const rules = Array.isArray(spec.state['Choices']) ? spec.state['Choices'].filter(isJsonObject) : [];
  for (const [index, rule] of rules.entries()) {
    const scope = scopeOf(spec, { input }, deps.context);
    const matched = await evaluateTemplate(rule['Condition'] ?? null, scope, `Choices[${index}].Condition`);
    if (typeof matched !== 'boolean') {
      throw new TaskError(
        QUERY_EVALUATION_ERROR,
        `The Condition of rule ${index} of state '${spec.name}' must evaluate to a boolean, not ${JSON.stringify(matched)}`,
      );
    }
    if (matched)
      return { rule: index, output: await finishJsonata(spec, rule, { input }, input, deps.context) };
  }
  if (typeof spec.state['Default'] !== 'string') {
    throw new TaskError('States.NoChoiceMatched', `No Choice rule of state '${spec.name}' matched the input`);
  }
  return { rule: -1, output: await finishJsonata(spec, spec.state, { input }, input, deps.context) };
}

/** A JSONata Wait: its deadline is checkpointed, so a restart waits only until the same instant. */
async function wait(spec: QueryStateSpec, input: JsonValue, deps: QueryStateDeps): Promise<void> {
  let until = deps.journal.stateNamed(spec.name)?.waitUntil;
  if (until === undefined) {
    until = await deadlineOf(spec, input, deps.context);
    const deadline = until;
    deps.journal.update(spec.name, (checkpoint) => (checkpoint.waitUntil = deadline));
  }
  const delay = Math.max(0, until - Date.now());
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, delay);
    deps.signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      deps.signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function deadlineOf(
  spec: QueryStateSpec,
  input: JsonValue,
  context: ExecutionContext,
): Promise<number> {
  const scope = scopeOf(spec, { input }, context);
  if ('Seconds' in spec.state) {
    const seconds = await evaluateTemplate(spec.state['Seconds'] as JsonValue, scope, 'Seconds');
    if (typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 0)
      return Date.now() + seconds * 1000;
    throw new TaskError(
      QUERY_EVALUATION_ERROR,
      `The Seconds of state '${spec.name}' must be a non-negative integer, not ${JSON.stringify(seconds)}`,
    );
  }
  const timestamp = await evaluateTemplate(spec.state['Timestamp'] ?? null, scope, 'Timestamp');
  const instant = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new TaskError(
      QUERY_EVALUATION_ERROR,
      `The Timestamp of state '${spec.name}' must be an RFC 3339 timestamp, not ${JSON.stringify(timestamp)}`,
    );
  }
  return instant;
}

/**
 * JSONPath `Assign`: its `.$` values are paths or intrinsic functions over the state's result (`$`),
 * the context (`$$`) and the variables (`$name`, rewritten to `$$.__vars.name`).
 */
async function assignJsonPath(
  spec: QueryStateSpec,
  result: JsonValue,
  context: ExecutionContext,
): Promise<void> {
  const assign = spec.state['Assign'];
  if (!isJsonObject(assign)) return;
  const values = await evaluateJsonPathTemplate(
    assign,
    result,
    context.evaluationContext(spec.name),
    `Assign of state '${spec.name}'`,
  );
  if (isJsonObject(values)) context.assignVariables(values);
}

import { isJsonObject } from './json';
import type { JsonObject, JsonValue } from './json';
import type { StateMachineDefinition } from './interpreter';
import { parseTaskResource } from './resource';
import type { TaskResource } from './resource';
import type { Retrier } from './retry-policy';
import { RETRY_DECIDED } from './task-error';
import { diagnoseDefinition, invalidDefinitionMessage } from './definition-diagnostics';

/** A Task state as written in the registered definition, with what the runtime needs to run it. */
export interface TaskStateSpec {
  name: string;
  hookId: string;
  resource: TaskResource;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  retriers: Retrier[];
  /** A state of the top-level States (checkpointed, resumable in place); not inside Parallel/Map. */
  topLevel: boolean;
}

export interface PreparedDefinition {
  /** What the interpreter runs: the registered definition with the rewrites described below. */
  interpreterDefinition: StateMachineDefinition;
  tasksByName: ReadonlyMap<string, TaskStateSpec>;
  tasksByHook: ReadonlyMap<string, TaskStateSpec>;
  /** The top-level states as registered (before the rewrites), by name. */
  topLevelStates: ReadonlyMap<string, JsonObject>;
  /** The definition's own TimeoutSeconds. */
  timeoutSeconds?: number;
}

/** A definition CreateStateMachine refuses; the message is AWS's `Invalid State Machine Definition: '...'`. */
export class InvalidDefinitionError extends Error {}

/** Keys the rewrite adds to a Task's Parameters; the task runner strips them again. */
export const HOOK_KEYS = {
  hook: '__hook',
  params: '__params',
  timeoutSeconds: '__timeoutSeconds',
  heartbeatSeconds: '__heartbeatSeconds',
} as const;
export const HOOKS_CONTEXT_KEY = '__hooks';
/** The interpreter sets `$$.Execution.Input`/`StartTime` from the run; a resumed run needs the originals. */
export const EXECUTION_CONTEXT_KEY = '__execution';

// setTimeout overflows above 2^31-1 ms; the interpreter enforces a Task's TimeoutSeconds (default 60 s)
// with one, so it gets a far-away backstop and the runtime enforces the real timeouts itself.
const TIMER_LIMIT_SECONDS = 2_000_000;

/**
 * Validates a definition and derives the interpreter's copy. aws-local-stepfunctions gives a Task
 * handler only its evaluated Parameters, so each Task's Parameters are wrapped in an object whose first
 * key reads a getter in the context object (`$$.__hooks.<id>`): it runs synchronously just before the
 * real Parameters are evaluated, which is when `$$.State` and `$$.Task.Token` must be current.
 */
export function prepareDefinition(definitionText: string): PreparedDefinition {
  const problems = diagnoseDefinition(definitionText).filter((problem) => problem.severity === 'ERROR');
  if (problems.length > 0) throw new InvalidDefinitionError(invalidDefinitionMessage(problems));
  const original = JSON.parse(definitionText) as JsonObject;
  const definition = JSON.parse(
    definitionText.replace(/\$\$\.Execution\.(Input|StartTime)\b/g, `$$$$.${EXECUTION_CONTEXT_KEY}.$1`),
  ) as JsonObject;

  const topLevelStates = new Map<string, JsonObject>();
  const originalStates = original['States'];
  if (isJsonObject(originalStates)) {
    for (const [name, state] of Object.entries(originalStates)) {
      if (isJsonObject(state)) topLevelStates.set(name, state);
    }
  }
  const tasksByName = new Map<string, TaskStateSpec>();
  const tasksByHook = new Map<string, TaskStateSpec>();
  const visit = (container: JsonObject, topLevel: boolean): void => {
    const states = container['States'];
    if (!isJsonObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isJsonObject(state)) continue;
      includeHeartbeatTimeouts(state);
      if (state['Type'] === 'Fail') evaluateFailPathsAsParameters(state);
      if (state['Type'] === 'Task') {
        const spec = rewriteTask(name, state, `h${tasksByHook.size}`, topLevel);
        tasksByName.set(name, spec);
        tasksByHook.set(spec.hookId, spec);
      }
      const branches = state['Branches'];
      if (Array.isArray(branches)) branches.filter(isJsonObject).forEach((branch) => visit(branch, false));
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isJsonObject(processor)) visit(processor, false);
    }
  };
  visit(definition, true);

  const timeout = definition['TimeoutSeconds'];
  const timeoutSeconds = typeof timeout === 'number' ? timeout : undefined;
  if (timeoutSeconds !== undefined && timeoutSeconds > TIMER_LIMIT_SECONDS)
    delete definition['TimeoutSeconds'];

  return {
    // Validated above with asl-validator; the interpreter's type is structural ASL.
    interpreterDefinition: definition as unknown as StateMachineDefinition,
    tasksByName,
    tasksByHook,
    topLevelStates,
    timeoutSeconds,
  };
}

function rewriteTask(name: string, state: JsonObject, hookId: string, topLevel: boolean): TaskStateSpec {
  const resource = state['Resource'];
  if (typeof resource !== 'string') throw new Error(`Task state '${name}' has no Resource`);
  const spec: TaskStateSpec = {
    name,
    hookId,
    resource: parseTaskResource(resource),
    retriers: Array.isArray(state['Retry']) ? (structuredClone(state['Retry']) as unknown as Retrier[]) : [],
    topLevel,
  };
  if (typeof state['TimeoutSeconds'] === 'number') spec.timeoutSeconds = state['TimeoutSeconds'];
  if (typeof state['HeartbeatSeconds'] === 'number') spec.heartbeatSeconds = state['HeartbeatSeconds'];

  const wrapped: JsonObject = { [`${HOOK_KEYS.hook}.$`]: `$$.${HOOKS_CONTEXT_KEY}.${hookId}` };
  copyPath(state, 'TimeoutSecondsPath', wrapped, HOOK_KEYS.timeoutSeconds);
  copyPath(state, 'HeartbeatSecondsPath', wrapped, HOOK_KEYS.heartbeatSeconds);
  if ('Parameters' in state) wrapped[HOOK_KEYS.params] = state['Parameters'] as JsonValue;
  else wrapped[`${HOOK_KEYS.params}.$`] = '$';
  state['Parameters'] = wrapped;
  delete state['TimeoutSecondsPath'];
  delete state['HeartbeatSeconds'];
  delete state['HeartbeatSecondsPath'];
  state['TimeoutSeconds'] = TIMER_LIMIT_SECONDS;
  // The runtime decides retries (and persists them); the interpreter only carries them out.
  if (spec.retriers.length > 0) {
    state['Retry'] = [{ ErrorEquals: [RETRY_DECIDED], MaxAttempts: 2_147_483_647, IntervalSeconds: 0 }];
  }
  return spec;
}

function copyPath(state: JsonObject, field: string, wrapped: JsonObject, key: string): void {
  const path = state[field];
  if (typeof path === 'string') wrapped[`${key}.$`] = path;
}

/**
 * AWS accepts intrinsic functions in a Fail state's ErrorPath/CausePath; the interpreter evaluates them
 * as JSONPath only. Its copy evaluates them as Parameters (which it applies to any state) and reads them
 * from there.
 */
function evaluateFailPathsAsParameters(state: JsonObject): void {
  const parameters: JsonObject = {};
  for (const [field, key] of [
    ['ErrorPath', 'error'],
    ['CausePath', 'cause'],
  ] as const) {
    const path = state[field];
    if (typeof path !== 'string' || !path.startsWith('States.')) continue;
    parameters[`${key}.$`] = path;
    state[field] = `$.${key}`;
  }
  if (Object.keys(parameters).length > 0) state['Parameters'] = parameters;
}

/** On AWS `States.Timeout` also matches a heartbeat timeout; the interpreter matches names exactly. */
function includeHeartbeatTimeouts(state: JsonObject): void {
  for (const field of ['Retry', 'Catch']) {
    const rules = state[field];
    if (!Array.isArray(rules)) continue;
    for (const rule of rules) {
      const names = isJsonObject(rule) ? rule['ErrorEquals'] : undefined;
      if (
        Array.isArray(names) &&
        names.includes('States.Timeout') &&
        !names.includes('States.HeartbeatTimeout')
      ) {
        names.push('States.HeartbeatTimeout');
      }
    }
  }
}

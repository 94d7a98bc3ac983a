import { isJsonObject } from './json';
import type { JsonObject, JsonValue } from './json';
import type { StateMachineDefinition } from './interpreter';
import { parseTaskResource } from './resource';
import type { TaskResource } from './resource';
import type { Retrier } from './retry-policy';
import { validateDefinition } from './validate-definition';

/** A Task state as written in the registered definition, with what the runtime needs to run it. */
export interface TaskStateSpec {
  name: string;
  hookId: string;
  resource: TaskResource;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  retriers: Retrier[];
}

export interface PreparedDefinition {
  /** What the interpreter runs: the registered definition with the rewrites described below. */
  interpreterDefinition: StateMachineDefinition;
  tasksByName: ReadonlyMap<string, TaskStateSpec>;
  tasksByHook: ReadonlyMap<string, TaskStateSpec>;
}

/** Keys the rewrite adds to a Task's Parameters; the task runner strips them again. */
export const HOOK_KEYS = {
  hook: '__hook',
  params: '__params',
  timeoutSeconds: '__timeoutSeconds',
  heartbeatSeconds: '__heartbeatSeconds',
} as const;
export const HOOKS_CONTEXT_KEY = '__hooks';

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
  const validation = validateDefinition(definitionText);
  if (!validation.valid) throw new Error(validation.errors.join('; '));
  const definition = JSON.parse(definitionText) as JsonObject;

  const tasksByName = new Map<string, TaskStateSpec>();
  const tasksByHook = new Map<string, TaskStateSpec>();
  const visit = (container: JsonObject): void => {
    const states = container['States'];
    if (!isJsonObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isJsonObject(state)) continue;
      includeHeartbeatTimeouts(state);
      if (state['Type'] === 'Task') {
        const spec = rewriteTask(name, state, `h${tasksByHook.size}`);
        tasksByName.set(name, spec);
        tasksByHook.set(spec.hookId, spec);
      }
      const branches = state['Branches'];
      if (Array.isArray(branches)) branches.filter(isJsonObject).forEach(visit);
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isJsonObject(processor)) visit(processor);
    }
  };
  visit(definition);

  const timeout = definition['TimeoutSeconds'];
  if (typeof timeout === 'number' && timeout > TIMER_LIMIT_SECONDS) delete definition['TimeoutSeconds'];

  // Validated above with asl-validator; the interpreter's type is structural ASL.
  return { interpreterDefinition: definition as unknown as StateMachineDefinition, tasksByName, tasksByHook };
}

function rewriteTask(name: string, state: JsonObject, hookId: string): TaskStateSpec {
  const resource = state['Resource'];
  if (typeof resource !== 'string') throw new Error(`Task state '${name}' has no Resource`);
  const spec: TaskStateSpec = {
    name,
    hookId,
    resource: parseTaskResource(resource),
    retriers: Array.isArray(state['Retry']) ? (state['Retry'] as unknown as Retrier[]) : [],
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
  return spec;
}

function copyPath(state: JsonObject, field: string, wrapped: JsonObject, key: string): void {
  const path = state[field];
  if (typeof path === 'string') wrapped[`${key}.$`] = path;
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

import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import type { StateMachineDefinition } from './interpreter.ts';
import { parseTaskResource } from './resource.ts';
import type { TaskResource } from './resource.ts';
import type { Retrier } from './retry-policy.ts';
import { RETRY_DECIDED } from './task-error.ts';
import { diagnoseDefinition, invalidDefinitionMessage } from './definition-diagnostics.ts';
import { queryLanguageOf, topLevelQueryLanguage } from './query-language.ts';
import type { QueryLanguage } from './query-language.ts';

/** A Task state as written in the registered definition, with what the runtime needs to run it. */
export interface TaskStateSpec {
  name: string;
  hookId: string;
  resource: TaskResource;
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  retriers: Retrier[];
}

/**
 * A state the runtime evaluates itself (JSONata, or `Assign`): Tasks keep their integration and are
 * wrapped; Pass, Succeed, Fail, Choice and Wait states run as Tasks of the interpreter's copy whose
 * handler is the runtime's (query-states.ts). `state` is the state as registered (JSONPath `$name`
 * references already rewritten).
 */
export interface QueryStateSpec {
  name: string;
  type: string;
  language: QueryLanguage;
  state: JsonObject;
  /** A JSONata Catch rule's Output/Assign (`type` 'Catch'): the Task state whose error it catches. */
  catching?: string;
}

/** A Parallel branch or a Map's ItemProcessor: what the runtime runs as one nested interpreter run. */
export interface BranchSpec {
  /** The interpreter's copy (`StartAt`, `States`), rewritten like the top level. */
  definition: StateMachineDefinition;
  /** The branch's own states as registered, by name: their entries are checkpointed in the branch. */
  states: ReadonlyMap<string, JsonObject>;
}

/**
 * A Map or Parallel state: the runtime runs it (composite-states.ts) as the handler of the
 * interpreter's Task copy, each branch or iteration a nested run with its own checkpoint.
 */
export interface CompositeStateSpec extends QueryStateSpec {
  type: 'Map' | 'Parallel';
  /** Parallel: its branches; Map: one, the ItemProcessor (or legacy Iterator). */
  branches: BranchSpec[];
  /** Its Retry rules: the runtime decides (and checkpoints) retries, as for Task states. */
  retriers: Retrier[];
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
  queryStates: ReadonlyMap<string, QueryStateSpec>;
  composites: ReadonlyMap<string, CompositeStateSpec>;
  /** States the interpreter's copy runs as a Task, with their real type (for the history). */
  typeOverrides: ReadonlyMap<string, string>;
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
/** The workflow variables in the context object: JSONPath `$name` reads `$$.__vars.name`. */
export const VARIABLES_CONTEXT_KEY = '__vars';
/**
 * States the interpreter's copy adds (absent from the history): a JSONata Choice's router (a Task picks
 * the rule, then `__local:route:<name>`) and a JSONata catcher's Output/Assign (`__local:catch:<name>:<i>`).
 */
export const HIDDEN_STATE_PREFIX = '__local:';
const RUNTIME_RESOURCE = 'local:runtime';

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
  const queryStates = new Map<string, QueryStateSpec>();
  const composites = new Map<string, CompositeStateSpec>();
  const typeOverrides = new Map<string, string>();
  const registered = registeredStates(original);
  const machineLanguage = topLevelQueryLanguage(definition);
  const visit = (container: JsonObject, inherited: QueryLanguage): void => {
    const states = container['States'];
    if (!isJsonObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isJsonObject(state)) continue;
      const type = String(state['Type']);
      const language = queryLanguageOf(state, inherited);
      if (language === 'JSONPath') readVariablesFromContext(state);
      includeHeartbeatTimeouts(state);
      if (type === 'Map' || type === 'Parallel') {
        const containers = branchesOf(state);
        // A nested state without its own QueryLanguage uses the state machine's, not its Map's/Parallel's.
        containers.forEach((branch) => visit(branch, machineLanguage));
        composites.set(name, {
          name,
          type,
          language,
          state: structuredClone(state),
          branches: containers.map((branch) => branchSpec(branch, registered)),
          retriers: retriersOf(state),
        });
        if (language === 'JSONata') {
          for (const catcher of evaluateCatchers(name, state, states)) queryStates.set(catcher.name, catcher);
        }
        runCompositeAsTask(name, state, states);
        typeOverrides.set(name, type);
        continue;
      }
      if (language === 'JSONata' || 'Assign' in state) {
        queryStates.set(name, { name, type, language, state: structuredClone(state) });
      }
      if (type === 'Fail') evaluateFailPathsAsParameters(state);
      if (type === 'Task') {
        const spec = rewriteTask(name, state, `h${tasksByHook.size}`);
        tasksByName.set(name, spec);
        tasksByHook.set(spec.hookId, spec);
        if (language === 'JSONata') {
          for (const catcher of evaluateCatchers(name, state, states)) queryStates.set(catcher.name, catcher);
        }
      } else if (queryStates.has(name)) {
        runAsTask(name, state, states);
        typeOverrides.set(name, type);
      }
    }
  };
  visit(definition, machineLanguage);

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
    queryStates,
    composites,
    typeOverrides,
  };
}

/** A branch's interpreter copy and its own registered states (hidden states the rewrite adds have none). */
function branchSpec(branch: JsonObject, registered: ReadonlyMap<string, JsonObject>): BranchSpec {
  const states = new Map<string, JsonObject>();
  for (const name of Object.keys(isJsonObject(branch['States']) ? branch['States'] : {})) {
    const state = registered.get(name);
    if (state) states.set(name, state);
  }
  return { definition: branch as unknown as StateMachineDefinition, states };
}

/** Every state of the registered definition (nested ones included; names are unique), by name. */
function registeredStates(definition: JsonObject): Map<string, JsonObject> {
  const found = new Map<string, JsonObject>();
  const visit = (container: JsonObject): void => {
    const states = container['States'];
    if (!isJsonObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isJsonObject(state)) continue;
      found.set(name, state);
      branchesOf(state).forEach(visit);
    }
  };
  visit(definition);
  return found;
}

/** A Parallel state's Branches, a Map state's ItemProcessor (or legacy Iterator). */
function branchesOf(state: JsonObject): JsonObject[] {
  const branches = state['Branches'];
  if (Array.isArray(branches)) return branches.filter(isJsonObject);
  const processor = state['ItemProcessor'] ?? state['Iterator'];
  return isJsonObject(processor) ? [processor] : [];
}

/**
 * The interpreter's copy of a Map or Parallel state: a Task whose handler runs it. The interpreter
 * still applies what a Task shares with it (InputPath, a Parallel's Parameters, ResultSelector,
 * ResultPath, OutputPath, Catch, and the retries the runtime decides); a Map's Parameters are its
 * legacy ItemSelector (the runtime's).
 */
function runCompositeAsTask(name: string, state: JsonObject, states: JsonObject): void {
  const task: JsonObject = { Type: 'Task', Resource: RUNTIME_RESOURCE, TimeoutSeconds: TIMER_LIMIT_SECONDS };
  const fields = ['InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'];
  if (state['Type'] === 'Parallel') fields.push('Parameters');
  for (const field of fields) {
    if (field in state) task[field] = state[field] as JsonValue;
  }
  retriesDecidedByRuntime(task);
  states[name] = task;
}

/**
 * The interpreter's copy of a Pass, Succeed, Fail, Choice or Wait state the runtime evaluates: a Task
 * (its handler does the state's work). A Choice's handler answers `{"rule": i, "output": …}` and a
 * hidden JSONPath Choice routes on it.
 */
function runAsTask(name: string, state: JsonObject, states: JsonObject): void {
  const type = state['Type'];
  const task: JsonObject = { Type: 'Task', Resource: RUNTIME_RESOURCE, TimeoutSeconds: TIMER_LIMIT_SECONDS };
  for (const field of ['InputPath', 'Parameters', 'ResultPath', 'OutputPath', 'Next', 'End']) {
    if (field in state) task[field] = state[field] as JsonValue;
  }
  if (type === 'Succeed' || type === 'Fail') task['End'] = true;
  if (type === 'Choice') {
    const route = `${HIDDEN_STATE_PREFIX}route:${name}`;
    task['Next'] = route;
    const rules = Array.isArray(state['Choices']) ? state['Choices'].filter(isJsonObject) : [];
    const routeState: JsonObject = {
      Type: 'Choice',
      OutputPath: '$.output',
      Choices: rules.map((rule, index) => ({
        Variable: '$.rule',
        NumericEquals: index,
        Next: rule['Next'] ?? null,
      })),
    };
    if (typeof state['Default'] === 'string') routeState['Default'] = state['Default'];
    states[route] = routeState;
  }
  states[name] = task;
}

/**
 * A JSONata Catch rule with Output or Assign goes through a hidden state that evaluates them
 * (`$states.errorOutput` is its input) before the rule's Next.
 */
function evaluateCatchers(name: string, state: JsonObject, states: JsonObject): QueryStateSpec[] {
  const catchers = Array.isArray(state['Catch']) ? state['Catch'].filter(isJsonObject) : [];
  const specs: QueryStateSpec[] = [];
  catchers.forEach((catcher, index) => {
    if (!('Output' in catcher) && !('Assign' in catcher)) return;
    const hidden = `${HIDDEN_STATE_PREFIX}catch:${name}:${index}`;
    specs.push({
      name: hidden,
      type: 'Catch',
      language: 'JSONata',
      state: structuredClone(catcher),
      catching: name,
    });
    states[hidden] = {
      Type: 'Task',
      Resource: RUNTIME_RESOURCE,
      TimeoutSeconds: TIMER_LIMIT_SECONDS,
      Next: catcher['Next'] ?? null,
    };
    catcher['Next'] = hidden;
    delete catcher['Output'];
    delete catcher['Assign'];
  });
  return specs;
}

/** A message naming a rewritten path, with the path as the definition wrote it. */
export function asWritten(message: string): string {
  return message
    .replaceAll(`$$.${VARIABLES_CONTEXT_KEY}.`, '$')
    .replaceAll(`$$.${EXECUTION_CONTEXT_KEY}.`, '$$.Execution.');
}

const VARIABLE_REFERENCE = /(?<![\w$.])\$(?=[A-Za-z_])(\w+)/g;

/** JSONPath `$name` (a workflow variable) in paths and `.$` templates → `$$.__vars.name`. */
function readVariablesFromContext(node: JsonObject): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator' || key === 'Result') continue;
    if (typeof value === 'string' && (key.endsWith('Path') || key.endsWith('.$') || key === 'Variable')) {
      node[key] = value.replace(VARIABLE_REFERENCE, `$$$$.${VARIABLES_CONTEXT_KEY}.$1`);
    } else if (isJsonObject(value)) {
      readVariablesFromContext(value);
    } else if (Array.isArray(value)) {
      value.filter(isJsonObject).forEach(readVariablesFromContext);
    }
  }
}

function rewriteTask(name: string, state: JsonObject, hookId: string): TaskStateSpec {
  const resource = state['Resource'];
  if (typeof resource !== 'string') throw new Error(`Task state '${name}' has no Resource`);
  const spec: TaskStateSpec = {
    name,
    hookId,
    resource: parseTaskResource(resource),
    retriers: retriersOf(state),
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
  retriesDecidedByRuntime(state);
  return spec;
}

function retriersOf(state: JsonObject): Retrier[] {
  return Array.isArray(state['Retry']) ? (structuredClone(state['Retry']) as unknown as Retrier[]) : [];
}

/**
 * The runtime decides retries (and persists them); the interpreter's copy only carries them out: its
 * Retry matches only the runtime's decision, with the decided delay as interval (`retryIntervals`).
 */
function retriesDecidedByRuntime(state: JsonObject): void {
  if (retriersOf(state).length === 0) return;
  state['Retry'] = [{ ErrorEquals: [RETRY_DECIDED], MaxAttempts: 2_147_483_647, IntervalSeconds: 0 }];
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

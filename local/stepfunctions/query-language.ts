import { isJsonObject } from './json.ts';
import jsonata from 'jsonata';
import type { JsonObject, JsonValue } from './json.ts';
import { jsonataExpression } from './jsonata-query.ts';

export type QueryLanguage = 'JSONPath' | 'JSONata';

/** A state's query language: its own `QueryLanguage`, else the definition's, else JSONPath. */
export function queryLanguageOf(state: JsonObject, inherited: QueryLanguage): QueryLanguage {
  const own = state['QueryLanguage'];
  return own === 'JSONata' || own === 'JSONPath' ? own : inherited;
}

export function topLevelQueryLanguage(definition: JsonObject): QueryLanguage {
  return definition['QueryLanguage'] === 'JSONata' ? 'JSONata' : 'JSONPath';
}

/** Fields that only JSONPath states have (AWS refuses them in JSONata states). */
const JSONPATH_ONLY = [
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'Result',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
];
/** Fields that only JSONata states have. */
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];

export interface QueryLanguageProblem {
  code: string;
  message: string;
  location: string;
}

const UNSUPPORTED = 'UNSUPPORTED_LOCALLY';
/** JSONPath states whose Assign the runtime evaluates (over the state's result). */
const ASSIGNING_JSONPATH_TYPES = new Set(['Pass', 'Task', 'Map', 'Parallel']);
const NOT_LOCALLY = 'is not supported by the local Step Functions runtime';

/**
 * What CreateStateMachine refuses about query languages and variables: AWS's own rules (JSONPath
 * fields in JSONata states and the reverse, a JSONPath state under a JSONata definition) and, with
 * `UNSUPPORTED_LOCALLY`, what this runtime cannot run faithfully (it refuses rather than run it wrongly).
 */
export function checkQueryLanguages(definition: JsonObject): QueryLanguageProblem[] {
  const problems: QueryLanguageProblem[] = [];
  const top = definition['QueryLanguage'];
  if (top !== undefined && top !== 'JSONata' && top !== 'JSONPath') {
    problems.push({
      code: 'SCHEMA_VALIDATION_FAILED',
      message: `The value ${JSON.stringify(top)} is not a valid query language`,
      location: '/QueryLanguage',
    });
  }
  const machine = topLevelQueryLanguage(definition);
  visitContainer(definition, '', { inherited: machine, machine, outerVariables: new Set() }, problems);
  return problems;
}

/** What a state's checks depend on besides the state itself. */
interface Surroundings {
  /**
   * The language a state without its own QueryLanguage uses: the state machine's, nested states
   * included (as asl-validator reads it), whatever their Map's or Parallel's own language.
   */
  inherited: QueryLanguage;
  /** The state machine's (top-level) language. */
  machine: QueryLanguage;
  /** Variables assigned in the scopes enclosing this one (empty at the top level). */
  outerVariables: ReadonlySet<string>;
}

function visitContainer(
  container: JsonObject,
  at: string,
  around: Surroundings,
  problems: QueryLanguageProblem[],
): void {
  const states = container['States'];
  if (!isJsonObject(states)) return;
  // Variables of an enclosing scope can be read in a Parallel branch or Map iteration, not assigned:
  // values leave a branch only through its output.
  const scopeVariables = new Set<string>();
  for (const [name, state] of Object.entries(states)) {
    if (!isJsonObject(state)) continue;
    for (const [location, variable] of assignedVariables(state, `${at}/States/${name}`)) {
      scopeVariables.add(variable);
      if (around.outerVariables.has(variable)) {
        problems.push({
          code: 'SCHEMA_VALIDATION_FAILED',
          message: `The variable "${variable}" is assigned in an outer scope; a state inside a Parallel or Map state cannot assign it`,
          location,
        });
      }
    }
  }
  const inner: Surroundings = {
    ...around,
    outerVariables: new Set([...around.outerVariables, ...scopeVariables]),
  };
  for (const [name, state] of Object.entries(states)) {
    if (isJsonObject(state)) visitState(state, `${at}/States/${name}`, inner, problems);
  }
}

/** The variables a state assigns (its Assign, its Choice rules' and Catch rules'), with where. */
function assignedVariables(state: JsonObject, path: string): [string, string][] {
  const found: [string, string][] = [];
  const collect = (assign: JsonValue | undefined, at: string): void => {
    if (!isJsonObject(assign)) return;
    for (const key of Object.keys(assign)) {
      found.push([`${at}/Assign/${key}`, key.endsWith('.$') ? key.slice(0, -2) : key]);
    }
  };
  collect(state['Assign'], path);
  for (const field of ['Choices', 'Catch']) {
    const rules = state[field];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, index) => {
      if (isJsonObject(rule)) collect(rule['Assign'], `${path}/${field}/${index}`);
    });
  }
  return found;
}

function visitState(
  state: JsonObject,
  path: string,
  around: Surroundings,
  problems: QueryLanguageProblem[],
): void {
  const { inherited } = around;
  const language = queryLanguageOf(state, inherited);
  const type = state['Type'];
  const problem = (code: string, message: string, location = path): void => {
    problems.push({ code, message, location });
  };
  if (state['QueryLanguage'] === 'JSONPath' && around.machine === 'JSONata') {
    problem(
      'SCHEMA_VALIDATION_FAILED',
      'A state cannot use JSONPath when the state machine uses JSONata',
      `${path}/QueryLanguage`,
    );
  }
  checkAssignNames(state['Assign'], `${path}/Assign`, problems);
  if (language === 'JSONata') checkExpressions(state, path, problems);
  const misplaced = language === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY;
  for (const field of misplaced) {
    // A JSONPath Succeed state has no Output; Succeed's Output is JSONata's.
    if (field in state) {
      problem(
        'SCHEMA_VALIDATION_FAILED',
        `The field "${field}" is not supported when the query language is ${language}`,
        `${path}/${field}`,
      );
    }
  }
  const choices = state['Choices'];
  if (Array.isArray(choices)) {
    choices.forEach((rule, index) => {
      if (!isJsonObject(rule)) return;
      const wrongField = language === 'JSONata' ? 'Variable' : 'Condition';
      if (wrongField in rule) {
        problem(
          'SCHEMA_VALIDATION_FAILED',
          `The field "${wrongField}" is not supported when the query language is ${language}`,
          `${path}/Choices/${index}/${wrongField}`,
        );
      }
      if (language === 'JSONPath' && ('Assign' in rule || 'Output' in rule)) {
        problem(UNSUPPORTED, `Assign in a JSONPath Choice rule ${NOT_LOCALLY}`, `${path}/Choices/${index}`);
      }
      checkAssignNames(rule['Assign'], `${path}/Choices/${index}/Assign`, problems);
    });
  }
  if ('Assign' in state) {
    if (language === 'JSONPath' && !ASSIGNING_JSONPATH_TYPES.has(String(type))) {
      problem(UNSUPPORTED, `Assign in a JSONPath ${String(type)} state ${NOT_LOCALLY}`, `${path}/Assign`);
    } else if (language === 'JSONPath' && 'ResultSelector' in state) {
      problem(UNSUPPORTED, `Assign together with ResultSelector ${NOT_LOCALLY}`, `${path}/Assign`);
    }
  }
  const catchers = state['Catch'];
  if (Array.isArray(catchers)) {
    catchers.forEach((catcher, index) => {
      if (!isJsonObject(catcher)) return;
      if (language === 'JSONPath' && 'Output' in catcher) {
        problem(
          'SCHEMA_VALIDATION_FAILED',
          'The field "Output" is not supported when the query language is JSONPath',
          `${path}/Catch/${index}/Output`,
        );
      }
      if (language === 'JSONata' && 'ResultPath' in catcher) {
        problem(
          'SCHEMA_VALIDATION_FAILED',
          'The field "ResultPath" is not supported when the query language is JSONata',
          `${path}/Catch/${index}/ResultPath`,
        );
      }
      if ('Assign' in catcher && language === 'JSONPath') {
        problem(UNSUPPORTED, `Assign in this Catch rule ${NOT_LOCALLY}`, `${path}/Catch/${index}/Assign`);
      }
    });
  }
  if (language === 'JSONata') {
    for (const field of ['TimeoutSeconds', 'HeartbeatSeconds']) {
      if (typeof state[field] === 'string') {
        problem(UNSUPPORTED, `A JSONata expression in ${field} ${NOT_LOCALLY}`, `${path}/${field}`);
      }
    }
  }
  const branches = state['Branches'];
  if (Array.isArray(branches)) {
    branches.forEach((branch, index) => {
      if (isJsonObject(branch)) visitContainer(branch, `${path}/Branches/${index}`, around, problems);
    });
  }
  const processor = state['ItemProcessor'] ?? state['Iterator'];
  if (isJsonObject(processor)) {
    const field = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
    visitContainer(processor, `${path}/${field}`, around, problems);
  }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** AWS's rule for variable names: an identifier, not the reserved `states`. */
function checkAssignNames(
  assign: JsonValue | undefined,
  location: string,
  problems: QueryLanguageProblem[],
): void {
  if (!isJsonObject(assign)) return;
  for (const key of Object.keys(assign)) {
    const name = key.endsWith('.$') ? key.slice(0, -2) : key;
    if (!VARIABLE_NAME.test(name) || name === 'states') {
      problems.push({
        code: 'SCHEMA_VALIDATION_FAILED',
        message: `The variable name "${name}" is not valid`,
        location: `${location}/${key}`,
      });
    }
  }
}

/** Every `{% … %}` of a JSONata state must parse (nested states are checked on their own). */
function checkExpressions(node: JsonValue, path: string, problems: QueryLanguageProblem[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => checkExpressions(item, `${path}/${index}`, problems));
  } else if (isJsonObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator') continue;
      checkExpressions(value, `${path}/${key}`, problems);
    }
  } else {
    const expression = jsonataExpression(node);
    if (expression === undefined) return;
    try {
      jsonata(expression);
    } catch (error) {
      const reason =
        isJsonObject(error) && typeof error['message'] === 'string' ? error['message'] : String(error);
      problems.push({
        code: 'SCHEMA_VALIDATION_FAILED',
        message: `Invalid JSONata expression: ${reason}`,
        location: path,
      });
    }
  }
}

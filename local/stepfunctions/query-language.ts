import { isJsonObject } from './json';
import jsonata from 'jsonata';
import type { JsonObject, JsonValue } from './json';
import { jsonataExpression } from './jsonata-query';

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
  visitContainer(definition, '', topLevelQueryLanguage(definition), false, problems);
  return problems;
}

function visitContainer(
  container: JsonObject,
  at: string,
  inherited: QueryLanguage,
  nested: boolean,
  problems: QueryLanguageProblem[],
): void {
  const states = container['States'];
  if (!isJsonObject(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (isJsonObject(state)) visitState(state, `${at}/States/${name}`, inherited, nested, problems);
  }
}

function visitState(
  state: JsonObject,
  path: string,
  inherited: QueryLanguage,
  nested: boolean,
  problems: QueryLanguageProblem[],
): void {
  const language = queryLanguageOf(state, inherited);
  const type = state['Type'];
  const problem = (code: string, message: string, location = path): void => {
    problems.push({ code, message, location });
  };
  if (state['QueryLanguage'] === 'JSONPath' && inherited === 'JSONata') {
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
      if (nested && 'Assign' in rule) {
        problem(
          UNSUPPORTED,
          `Assign inside a Parallel or Map state ${NOT_LOCALLY}`,
          `${path}/Choices/${index}`,
        );
      }
    });
  }
  if (language === 'JSONata' && (type === 'Map' || type === 'Parallel')) {
    problem(UNSUPPORTED, `A ${type} state in JSONata ${NOT_LOCALLY}`, path);
  }
  if ('Assign' in state) {
    if (nested)
      problem(UNSUPPORTED, `Assign inside a Parallel or Map state ${NOT_LOCALLY}`, `${path}/Assign`);
    else if (language === 'JSONPath' && type !== 'Pass' && type !== 'Task') {
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
      if ('Assign' in catcher && (language === 'JSONPath' || nested)) {
        problem(UNSUPPORTED, `Assign in this Catch rule ${NOT_LOCALLY}`, `${path}/Catch/${index}/Assign`);
      }
    });
  }
  if (language === 'JSONata') {
    for (const field of ['TimeoutSeconds', 'HeartbeatSeconds', 'MaxConcurrency']) {
      if (typeof state[field] === 'string') {
        problem(UNSUPPORTED, `A JSONata expression in ${field} ${NOT_LOCALLY}`, `${path}/${field}`);
      }
    }
  }
  const branches = state['Branches'];
  if (Array.isArray(branches)) {
    branches.forEach((branch, index) => {
      if (isJsonObject(branch)) visitContainer(branch, `${path}/Branches/${index}`, language, true, problems);
    });
  }
  const processor = state['ItemProcessor'] ?? state['Iterator'];
  if (isJsonObject(processor)) {
    const field = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
    visitContainer(processor, `${path}/${field}`, language, true, problems);
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

import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { checkQueryLanguages } from './query-language.ts';
import { validateDefinition } from './validate-definition.ts';

export interface Diagnostic {
  severity: 'ERROR' | 'WARNING';
  code: string;
  message: string;
  location?: string;
}

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const PATHS = ['InputPath', 'OutputPath'];
const JSONATA = ['Output', 'Assign'];
const FLOW = ['Next', 'End'];
const RESULTS = ['ResultPath', 'Parameters', 'ResultSelector', 'Retry', 'Catch', 'Arguments'];
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pass: [...COMMON, ...PATHS, ...JSONATA, ...FLOW, 'ResultPath', 'Parameters', 'Result'],
  Task: [
    ...COMMON,
    ...PATHS,
    ...JSONATA,
    ...FLOW,
    ...RESULTS,
    'Resource',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
    'HeartbeatSecondsPath',
    'Credentials',
  ],
  Choice: [...COMMON, ...PATHS, ...JSONATA, 'Choices', 'Default'],
  Wait: [...COMMON, ...PATHS, ...JSONATA, ...FLOW, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON, ...PATHS, 'Output'],
  Fail: [...COMMON, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
  Parallel: [...COMMON, ...PATHS, ...JSONATA, ...FLOW, ...RESULTS, 'Branches'],
  Map: [
    ...COMMON,
    ...PATHS,
    ...JSONATA,
    ...FLOW,
    ...RESULTS,
    'Iterator',
    'ItemProcessor',
    'ItemsPath',
    'Items',
    'ItemSelector',
    'ItemReader',
    'ItemBatcher',
    'ResultWriter',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath',
    'ToleratedFailureCount',
    'ToleratedFailureCountPath',
    'Label',
  ],
};
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  Task: ['Resource'],
  Choice: ['Choices'],
  Parallel: ['Branches'],
};
const TERMINAL_TYPES = new Set(['Choice', 'Succeed', 'Fail']);

/**
 * Checks a definition the way CreateStateMachine and ValidateStateMachineDefinition report problems:
 * `<CODE>: <what> at <JSON pointer>` naming the state and field. Structural checks come first; what
 * they do not cover is left to asl-validator, whose messages are reshaped the same way.
 */
export function diagnoseDefinition(definitionText: string): Diagnostic[] {
  let definition: JsonValue;
  try {
    definition = JSON.parse(definitionText) as JsonValue;
  } catch (error) {
    return [error_('INVALID_JSON_DESCRIPTION', (error as Error).message)];
  }
  if (!isJsonObject(definition))
    return [error_('SCHEMA_VALIDATION_FAILED', 'The definition must be a JSON object', '/')];
  const found: Diagnostic[] = [];
  checkContainer(definition, '', found);
  for (const problem of checkQueryLanguages(definition)) {
    found.push(error_(problem.code, problem.message, problem.location));
  }
  if (found.length > 0) return found;
  return withoutLiteralJsonataFields(validateDefinition(definitionText).errors.map(reshape));
}

const JSONATA_VALUE_FIELD = /^(.*\/States\/[^/]+)\/(Output|Arguments)$/;

/**
 * asl-validator takes a JSONata `Output`/`Arguments` to be an object or a `{% %}` string; AWS accepts
 * any JSON value there (a number, a plain string, an array). Its complaint about such a field, and the
 * `Type` mismatch its schema reports with it, are dropped (our own checks cover those states).
 */
function withoutLiteralJsonataFields(diagnostics: Diagnostic[]): Diagnostic[] {
  const states = new Set(
    diagnostics.map((diagnostic) => JSONATA_VALUE_FIELD.exec(diagnostic.location ?? '')?.[1]).filter(Boolean),
  );
  return diagnostics.filter((diagnostic) => {
    const location = diagnostic.location ?? '';
    if (JSONATA_VALUE_FIELD.test(location)) return false;
    return !(location.endsWith('/Type') && states.has(location.slice(0, -'/Type'.length)));
  });
}

/** `Invalid State Machine Definition: '<CODE>: <message> at <location>, ...'` */
export function invalidDefinitionMessage(diagnostics: readonly Diagnostic[]): string {
  const described = diagnostics.map(
    (diagnostic) =>
      `${diagnostic.code}: ${diagnostic.message}${diagnostic.location ? ` at ${diagnostic.location}` : ''}`,
  );
  return `Invalid State Machine Definition: '${described.join(', ')}'`;
}

function checkContainer(container: JsonObject, at: string, found: Diagnostic[]): void {
  const states = container['States'];
  const startAt = container['StartAt'];
  if (!isJsonObject(states)) {
    found.push(error_('SCHEMA_VALIDATION_FAILED', 'These fields are required: [States]', at || '/'));
    return;
  }
  if (typeof startAt !== 'string') {
    found.push(error_('SCHEMA_VALIDATION_FAILED', 'These fields are required: [StartAt]', at || '/'));
  } else if (!(startAt in states)) {
    found.push(error_('MISSING_TRANSITION_TARGET', `Missing 'StartAt' target: ${startAt}`, `${at}/StartAt`));
  }
  for (const [name, state] of Object.entries(states)) {
    const path = `${at}/States/${name}`;
    if (!isJsonObject(state)) {
      found.push(error_('SCHEMA_VALIDATION_FAILED', 'A state must be a JSON object', path));
      continue;
    }
    checkState(state, path, states, found);
  }
}

function checkState(state: JsonObject, path: string, siblings: JsonObject, found: Diagnostic[]): void {
  const type = state['Type'];
  if (type === undefined) {
    found.push(error_('SCHEMA_VALIDATION_FAILED', 'These fields are required: [Type]', path));
    return;
  }
  const known = typeof type === 'string' ? FIELDS[type] : undefined;
  if (typeof type !== 'string' || !known) {
    found.push(
      error_(
        'SCHEMA_VALIDATION_FAILED',
        `The value ${JSON.stringify(type)} is not a valid state type`,
        `${path}/Type`,
      ),
    );
    return;
  }
  for (const field of Object.keys(state)) {
    if (!known.includes(field)) {
      found.push(
        error_('SCHEMA_VALIDATION_FAILED', `The field "${field}" is not supported by Step Functions`, path),
      );
    }
  }
  const missing = (REQUIRED[type] ?? []).filter((field) => !(field in state));
  if (type === 'Map' && !('ItemProcessor' in state) && !('Iterator' in state)) missing.push('ItemProcessor');
  if (missing.length > 0) {
    found.push(
      error_('SCHEMA_VALIDATION_FAILED', `These fields are required: [${missing.join(', ')}]`, path),
    );
  }
  if (!TERMINAL_TYPES.has(type) && !('Next' in state) === !(state['End'] === true)) {
    found.push(
      error_('SCHEMA_VALIDATION_FAILED', 'Exactly one of these fields is required: [Next, End]', path),
    );
  }
  const target = (value: JsonValue | undefined, field: string, location: string): void => {
    if (typeof value === 'string' && !(value in siblings)) {
      found.push(error_('MISSING_TRANSITION_TARGET', `Missing '${field}' target: ${value}`, location));
    }
  };
  target(state['Next'], 'Next', `${path}/Next`);
  target(state['Default'], 'Default', `${path}/Default`);
  for (const field of ['Choices', 'Catch']) {
    const rules = state[field];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, index) => {
      if (isJsonObject(rule)) target(rule['Next'], 'Next', `${path}/${field}/${index}/Next`);
    });
  }
  const branches = state['Branches'];
  if (Array.isArray(branches)) {
    branches.forEach((branch, index) => {
      if (isJsonObject(branch)) checkContainer(branch, `${path}/Branches/${index}`, found);
    });
  }
  const processor = state['ItemProcessor'] ?? state['Iterator'];
  if (isJsonObject(processor)) {
    checkContainer(processor, `${path}/${'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator'}`, found);
  }
}

/** asl-validator's `CODE: /path is invalid. what` → `CODE: what at /path`. */
function reshape(message: string): Diagnostic {
  const match = /^([A-Z_]+): (\/\S*) is invalid\. (.*)$/.exec(message);
  if (match?.[1] && match[2] && match[3]) return error_(match[1], match[3], match[2]);
  const coded = /^([A-Z_]+): (.*)$/.exec(message);
  if (coded?.[1] && coded[2]) return error_(coded[1], coded[2]);
  return error_('SCHEMA_VALIDATION_FAILED', message);
}

function error_(code: string, message: string, location?: string): Diagnostic {
  return location === undefined
    ? { severity: 'ERROR', code, message }
    : { severity: 'ERROR', code, message, location };
}

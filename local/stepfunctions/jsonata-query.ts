import jsonata from 'jsonata';
import { STEP_FUNCTIONS_JSONATA_FUNCTIONS } from './jsonata-functions.ts';
import { isJsonObject, toJsonValue } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { TaskError } from './task-error.ts';

export const QUERY_EVALUATION_ERROR = 'States.QueryEvaluationError';

/** What a JSONata expression sees: `$states` and the workflow variables in scope. */
export interface QueryScope {
  states: JsonObject;
  variables: Readonly<JsonObject>;
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The expression inside a `{% … %}` string, or `undefined` for any other value. */
export function jsonataExpression(value: JsonValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  return EXPRESSION.exec(value.trim())?.[1];
}

/**
 * Evaluates a JSONata template as AWS does: a string that is entirely `{% expr %}` is replaced by the
 * expression's value; objects and arrays are evaluated member by member; anything else is literal.
 * Any failure (syntax, a runtime error, an unknown variable, no value) is `States.QueryEvaluationError`.
 */
export async function evaluateTemplate(
  template: JsonValue,
  scope: QueryScope,
  field: string,
): Promise<JsonValue> {
  const expression = jsonataExpression(template);
  if (expression !== undefined) return evaluateExpression(expression, scope, field);
  if (Array.isArray(template)) {
    const items: JsonValue[] = [];
    for (const item of template) items.push(await evaluateTemplate(item, scope, field));
    return items;
  }
  if (isJsonObject(template)) {
    const object: JsonObject = {};
    for (const [key, value] of Object.entries(template)) {
      object[key] = await evaluateTemplate(value, scope, field);
    }
    return object;
  }
  return template;
}

async function evaluateExpression(expression: string, scope: QueryScope, field: string): Promise<JsonValue> {
  const fail = (reason: string): TaskError =>
    new TaskError(
      QUERY_EVALUATION_ERROR,
      `An error occurred while evaluating the JSONata expression '${expression.trim()}' in field '${field}': ${reason}`,
    );
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(expression);
  } catch (error) {
    throw fail(messageOf(error));
  }
  const unknown = freeVariables(compiled.ast()).find(
    (name) => name !== 'states' && !(name in scope.variables),
  );
  if (unknown !== undefined) throw fail(`The variable '$${unknown}' is not defined`);
  let value: unknown;
  try {
    value = await compiled.evaluate(scope.states['input'] ?? null, {
      ...STEP_FUNCTIONS_JSONATA_FUNCTIONS,
      ...scope.variables,
      states: scope.states,
    });
  } catch (error) {
    throw fail(messageOf(error));
  }
  if (value === undefined) throw fail('The expression returned no value');
  return toJsonValue(value);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (isJsonObject(error) && typeof error['message'] === 'string') return error['message'];
  return String(error);
}

/**
 * The `$name` references of an expression that it does not bind itself (`:=`, lambda parameters,
 * `@$x`/`#$i`) and that are not function calls: they must be workflow variables (or `$states`).
 */
function freeVariables(ast: jsonata.ExprNode): string[] {
  const referenced = new Set<string>();
  const bound = new Set<string>(['', '$']);
  const visit = (node: unknown, isProcedure: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((item) => visit(item, false));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record['type'] === 'variable' && typeof record['value'] === 'string' && !isProcedure) {
      referenced.add(record['value']);
    }
    if (record['type'] === 'bind') {
      const lhs = record['lhs'] as Record<string, unknown> | undefined;
      if (typeof lhs?.['value'] === 'string') bound.add(lhs['value']);
    }
    if (record['type'] === 'lambda' && Array.isArray(record['arguments'])) {
      for (const argument of record['arguments'] as Record<string, unknown>[]) {
        if (typeof argument['value'] === 'string') bound.add(argument['value']);
      }
    }
    for (const key of ['focus', 'index']) {
      if (typeof record[key] === 'string') bound.add(record[key]);
    }
    for (const [key, value] of Object.entries(record)) {
      visit(value, key === 'procedure');
    }
  };
  visit(ast, false);
  return [...referenced].filter((name) => !bound.has(name));
}

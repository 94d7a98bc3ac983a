import {
  ASL_FUNCTION_PLACEHOLDERS,
  ASL_TABLE_PLACEHOLDERS,
  HANDLER_NAMES,
  type HandlerName,
} from '#contracts/functions.ts';
import type { Handler, HandlerContext } from '#runtime/handler-context.ts';
import type { RuntimeConfig } from '#shared/config.ts';

/** The handler modules, loaded on first use: the same files CDK bundles for Lambda. */
const loaders: Record<HandlerName, () => Promise<{ createHandler: (context: HandlerContext) => Handler }>> = {
  intake: () => import('../lambdas/intake/handler.ts'),
  'parse-email': () => import('../lambdas/parse-email/handler.ts'),
  'claim-job': () => import('../lambdas/claim-job/handler.ts'),
  'record-interruption': () => import('../lambdas/record-interruption/handler.ts'),
  'finish-job': () => import('../lambdas/finish-job/handler.ts'),
  'handle-timeout': () => import('../lambdas/handle-timeout/handler.ts'),
  'queue-backlog': () => import('../lambdas/queue-backlog/handler.ts'),
  'record-execution-end': () => import('../lambdas/record-execution-end/handler.ts'),
};

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export const localFunctionName = (prefix: string, fn: HandlerName): string => `${prefix}-${fn}`;

export const localFunctionArn = (prefix: string, fn: HandlerName): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${localFunctionName(prefix, fn)}`;

/** The definition substitutions for the local runtime: every function ARN and table name placeholder. */
export function localDefinitionSubstitutions(
  prefix: string,
  tables: Pick<RuntimeConfig, (typeof ASL_TABLE_PLACEHOLDERS)[keyof typeof ASL_TABLE_PLACEHOLDERS]>,
): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(ASL_FUNCTION_PLACEHOLDERS).map(([placeholder, fn]) => [
        placeholder,
        localFunctionArn(prefix, fn),
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(ASL_TABLE_PLACEHOLDERS).map(([placeholder, field]) => [placeholder, tables[field]]),
    ),
  };
}

/**
 * Invokes a handler in process, by function name or ARN, as Lambda would: the event is a JSON copy,
 * so a handler cannot share objects with its caller. Each handler is built once for this invoker's
 * context (its execution environment), so invokers of different runtimes share nothing.
 */
export function createLocalLambdaInvoker(prefix: string, context: HandlerContext) {
  const byName = new Map<string, HandlerName>(HANDLER_NAMES.map((fn) => [localFunctionName(prefix, fn), fn]));
  const handlers = new Map<HandlerName, Promise<Handler>>();
  const handlerOf = (fn: HandlerName): Promise<Handler> => {
    let handler = handlers.get(fn);
    if (!handler) {
      handler = loaders[fn]().then((module) => module.createHandler(context));
      handlers.set(fn, handler);
    }
    return handler;
  };
  return async (functionNameOrArn: string, payload: unknown): Promise<unknown> => {
    const name = functionNameOrArn.split(':function:').pop()?.split(':')[0] ?? functionNameOrArn;
    const fn = byName.get(name);
    if (!fn) {
      const error = new Error(`Function not found: ${functionNameOrArn}`);
      error.name = 'Lambda.ResourceNotFoundException';
      throw error;
    }
    const handler = await handlerOf(fn);
    const result = await handler(JSON.parse(JSON.stringify(payload ?? null)));
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  };
}

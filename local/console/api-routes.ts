import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { EXECUTION_STATUSES, type ConsoleData } from './console-data.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Route = (query: URLSearchParams) => Promise<unknown>;

/** The JSON endpoints the page reads, by path. Every one is a GET with query parameters. */
export function apiRoutes(data: ConsoleData): ReadonlyMap<string, Route> {
  return new Map<string, Route>([
    ['/api/state-machine', () => data.stateMachine()],
    [
      '/api/executions',
      (query) =>
        data.listExecutions({
          status: statusParam(query.get('status')),
          nextToken: query.get('nextToken') ?? undefined,
          maxResults: numberParam(query.get('maxResults'), 1, 1000),
        }),
    ],
    ['/api/execution', (query) => data.execution(requiredParam(query, 'arn'))],
    ['/api/jobs', async () => ({ jobs: await data.jobs() })],
    ['/api/active-jobs', async () => ({ activeJobs: await data.activeJobs() })],
    ['/api/interruptions', async () => ({ interruptions: await data.interruptions() })],
    ['/api/queues', async () => ({ queues: await data.queues() })],
    ['/api/outbox', async () => ({ messages: await data.outbox() })],
    [
      '/api/outbox/message',
      async (query) => {
        const message = await data.outboxMessage(requiredParam(query, 'id'));
        if (!message) throw new HttpError(404, 'NotFound', 'No such message in the outbox');
        return message;
      },
    ],
  ]);
}

/** Maps an AWS SDK error to the status the page should see. */
export function errorResponse(error: unknown): { status: number; body: { error: string; message: string } } {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: error.code, message: error.message } };
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (/DoesNotExist|NotFound|NonExistent/.test(name)) return { status: 404, body: { error: name, message } };
  if (/Invalid|Validation/.test(name)) return { status: 400, body: { error: name, message } };
  return { status: 502, body: { error: name, message } };
}

function statusParam(value: string | null): ExecutionStatus | undefined {
  if (value === null || value === '' || value === 'ALL') return undefined;
  if (!EXECUTION_STATUSES.includes(value as ExecutionStatus)) {
    throw new HttpError(400, 'InvalidStatus', `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  }
  return value as ExecutionStatus;
}

function numberParam(value: string | null, min: number, max: number): number | undefined {
  if (value === null) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new HttpError(400, 'InvalidParameter', `expected an integer from ${min} to ${max}`);
  }
  return number;
}

function requiredParam(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (!value) throw new HttpError(400, 'MissingParameter', `'${name}' is required`);
  return value;
}

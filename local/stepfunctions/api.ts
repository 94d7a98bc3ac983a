import { diagnoseDefinition } from './definition-diagnostics.ts';
import { SfnApiError } from './errors.ts';
import { isJsonObject } from './json.ts';
import type { JsonObject } from './json.ts';
import type { ExecutionRecord, ExecutionStatus, StoredHistoryEvent } from './records.ts';
import type { StepFunctionsService } from './service.ts';

/** A callback to a task resuming after a restart answers once the task took it (see callback-registry.ts). */
type Action = (service: StepFunctionsService, body: JsonObject) => object | Promise<object>;

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** The JSON protocol sends timestamps as epoch seconds. */
const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

const ACTIONS: Readonly<Record<string, Action>> = {
  CreateStateMachine(service, body) {
    const record = service.createStateMachine({
      name: requireString(body, 'name'),
      definition: requireString(body, 'definition'),
      roleArn: optionalString(body, 'roleArn'),
      type: optionalString(body, 'type'),
      tags: tagsOf(body),
    });
    return { stateMachineArn: record.stateMachineArn, creationDate: seconds(record.creationDate) };
  },
  DeleteStateMachine(service, body) {
    service.deleteStateMachine(requireString(body, 'stateMachineArn'));
    return {};
  },
  DescribeStateMachineForExecution(service, body) {
    const record = service.describeStateMachineForExecution(requireString(body, 'executionArn'));
    return {
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      definition: record.definition,
      roleArn: record.roleArn,
      updateDate: seconds(record.updateDate ?? record.creationDate),
    };
  },
  TagResource(service, body) {
    service.tagResource(requireString(body, 'resourceArn'), tagsOf(body) ?? {});
    return {};
  },
  UntagResource(service, body) {
    const keys = body['tagKeys'];
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
      throw new SfnApiError('ValidationException', "'tagKeys' is required and must be a list of strings");
    }
    service.untagResource(requireString(body, 'resourceArn'), keys as string[]);
    return {};
  },
  ListTagsForResource(service, body) {
    const tags = service.listTags(requireString(body, 'resourceArn'));
    return { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) };
  },
  ValidateStateMachineDefinition(_service, body) {
    const type = optionalString(body, 'type');
    const diagnostics = diagnoseDefinition(requireString(body, 'definition'));
    if (type === 'EXPRESS') {
      diagnostics.push({
        severity: 'ERROR',
        code: 'UNSUPPORTED_TYPE',
        message: 'This local runtime runs STANDARD state machines only',
      });
    }
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'ERROR');
    return { result: errors.length === 0 ? 'OK' : 'FAIL', diagnostics, truncated: false };
  },
  RedriveExecution(service, body) {
    const record = service.redriveExecution(requireString(body, 'executionArn'));
    return { redriveDate: seconds(record.redriveDate) };
  },
  UpdateStateMachine(service, body) {
    const record = service.updateStateMachine({
      stateMachineArn: requireString(body, 'stateMachineArn'),
      definition: optionalString(body, 'definition'),
      roleArn: optionalString(body, 'roleArn'),
    });
    return { updateDate: seconds(record.updateDate ?? record.creationDate) };
  },
  DescribeStateMachine(service, body) {
    const record = service.describeStateMachine(requireString(body, 'stateMachineArn'));
    return {
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: 'ACTIVE',
      definition: record.definition,
      roleArn: record.roleArn,
      type: record.type,
      creationDate: seconds(record.creationDate),
    };
  },
  ListStateMachines(service, body) {
    const machines = service.listStateMachines().map((record) => ({
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      type: record.type,
      creationDate: seconds(record.creationDate),
    }));
    const page = paginate(machines, body, 100);
    return { stateMachines: page.items, nextToken: page.nextToken };
  },
  StartExecution(service, body) {
    const record = service.startExecution({
      stateMachineArn: requireString(body, 'stateMachineArn'),
      name: optionalString(body, 'name'),
      input: optionalString(body, 'input'),
    });
    return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
  },
  DescribeExecution(service, body) {
    return describeExecution(service.describeExecution(requireString(body, 'executionArn')));
  },
  ListExecutions(service, body) {
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw new SfnApiError('ValidationException', `Invalid statusFilter '${statusFilter}'`);
    }
    const records = service.listExecutions({
      stateMachineArn: requireString(body, 'stateMachineArn'),
      statusFilter: statusFilter as ExecutionStatus | undefined,
    });
    const page = paginate(records, body, 100);
    return {
      executions: page.items.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: seconds(record.startDate),
        stopDate: seconds(record.stopDate),
        redriveCount: record.redriveCount,
        redriveDate: seconds(record.redriveDate),
      })),
      nextToken: page.nextToken,
    };
  },
  GetExecutionHistory(service, body) {
    const events = [...service.getExecutionHistory(requireString(body, 'executionArn'))];
    if (body['reverseOrder'] === true) events.reverse();
    const includeData = body['includeExecutionData'] !== false;
    const page = paginate(events, body, 100);
    return { events: page.items.map((event) => historyEvent(event, includeData)), nextToken: page.nextToken };
  },
  StopExecution(service, body) {
    const record = service.stopExecution({
      executionArn: requireString(body, 'executionArn'),
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    });
    return { stopDate: seconds(record.stopDate) };
  },
  async SendTaskSuccess(service, body) {
    await service.sendTaskSuccess(requireString(body, 'taskToken'), requireString(body, 'output'));
    return {};
  },
  async SendTaskFailure(service, body) {
    await service.sendTaskFailure(
      requireString(body, 'taskToken'),
      optionalString(body, 'error'),
      optionalString(body, 'cause'),
    );
    return {};
  },
  async SendTaskHeartbeat(service, body) {
    await service.sendTaskHeartbeat(requireString(body, 'taskToken'));
    return {};
  },
};

/** Runs one `AWSStepFunctions.<action>` call and returns the response document. */
export function dispatchAction(
  service: StepFunctionsService,
  action: string,
  body: unknown,
): object | Promise<object> {
  const handler = ACTIONS[action];
  if (!handler) throw new SfnApiError('UnknownOperationException', `Unsupported operation: ${action}`);
  if (!isJsonObject(body))
    throw new SfnApiError('SerializationException', 'Request body must be a JSON object');
  return handler(service, body);
}

function describeExecution(record: ExecutionRecord): object {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    stopDate: seconds(record.stopDate),
    input: record.input,
    inputDetails: { included: true },
    output: record.output,
    outputDetails: record.output === undefined ? undefined : { included: true },
    error: record.error,
    cause: record.cause,
    redriveCount: record.redriveCount,
    redriveDate: seconds(record.redriveDate),
    redriveStatus:
      record.status === 'RUNNING' || record.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
  };
}

function historyEvent(event: StoredHistoryEvent, includeData: boolean): object {
  const wire: Record<string, unknown> = { ...event, timestamp: seconds(event.timestamp) };
  if (!includeData) {
    for (const [key, details] of Object.entries(wire)) {
      if (!key.endsWith('EventDetails') || typeof details !== 'object' || details === null) continue;
      const { input: _input, output: _output, ...rest } = details as Record<string, unknown>;
      wire[key] = rest;
    }
  }
  return wire;
}

/** `nextToken` is the offset of the next item, opaque to clients. */
function paginate<T>(
  items: readonly T[],
  body: JsonObject,
  defaultSize: number,
): { items: T[]; nextToken?: string } {
  const maxResults = body['maxResults'];
  const size = typeof maxResults === 'number' && maxResults > 0 ? Math.min(maxResults, 1000) : defaultSize;
  let offset = 0;
  const token = body['nextToken'];
  if (typeof token === 'string') {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  }
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

/** `[{ key, value }]` → record; `undefined` when absent. */
function tagsOf(body: JsonObject): Record<string, string> | undefined {
  const tags = body['tags'];
  if (tags === undefined || tags === null) return undefined;
  if (!Array.isArray(tags)) throw new SfnApiError('ValidationException', "'tags' must be a list");
  const record: Record<string, string> = {};
  for (const tag of tags) {
    if (!isJsonObject(tag) || typeof tag['key'] !== 'string') {
      throw new SfnApiError('ValidationException', "Each tag needs a string 'key'");
    }
    record[tag['key']] = typeof tag['value'] === 'string' ? tag['value'] : '';
  }
  return record;
}

function requireString(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string')
    throw new SfnApiError('ValidationException', `'${key}' is required and must be a string`);
  return value;
}

function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnApiError('ValidationException', `'${key}' must be a string`);
  return value;
}

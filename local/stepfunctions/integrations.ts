import { toJsonValue, isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { lambdaFunctionName } from './resource.ts';
import type { TaskResource } from './resource.ts';
import { TaskError, describeError } from './task-error.ts';

/** Runs a Lambda handler in process: `payload` is the event, the resolved value the function's result. */
export type InvokeLambda = (functionName: string, payload: unknown) => Promise<unknown>;

/** Anything with an AWS SDK v3 style `send(command)`: a real client, or a test fake. */
export interface SdkClient {
  send(command: object): Promise<unknown>;
}

/** SDK clients by service id as it appears in resource ARNs (`dynamodb`, `sqs`, `s3`, ...). */
export type ServiceClients = Readonly<Partial<Record<string, SdkClient>>>;

export interface IntegrationDeps {
  invokeLambda?: InvokeLambda;
  clients: ServiceClients;
}

type SdkModule = Record<string, unknown>;
const SDK_MODULES: Readonly<Record<string, () => Promise<SdkModule>>> = {
  dynamodb: () => import('@aws-sdk/client-dynamodb'),
  sqs: () => import('@aws-sdk/client-sqs'),
  s3: () => import('@aws-sdk/client-s3'),
  sfn: () => import('@aws-sdk/client-sfn'),
  sesv2: () => import('@aws-sdk/client-sesv2'),
};

// Error name prefixes: optimised integrations use the service's own spelling, aws-sdk ones PascalCase.
const OPTIMISED_PREFIX: Readonly<Record<string, string>> = {
  dynamodb: 'DynamoDB',
  sqs: 'SQS',
  sns: 'SNS',
  s3: 'S3',
  lambda: 'Lambda',
};
const AWS_SDK_PREFIX: Readonly<Record<string, string>> = {
  dynamodb: 'DynamoDb',
  sqs: 'Sqs',
  sns: 'Sns',
  s3: 'S3',
  sfn: 'Sfn',
  sesv2: 'SesV2',
  lambda: 'Lambda',
};

export async function invokeIntegration(
  resource: TaskResource,
  parameters: JsonValue,
  deps: IntegrationDeps,
): Promise<JsonValue> {
  if (resource.kind === 'lambda-function') {
    return callLambda(deps, resource.functionName, parameters);
  }
  if (resource.integration === 'optimised' && resource.service === 'lambda' && resource.action === 'invoke') {
    const params = isJsonObject(parameters) ? parameters : {};
    const functionName = params['FunctionName'];
    if (typeof functionName !== 'string') {
      throw new TaskError('States.Runtime', 'lambda:invoke requires a string FunctionName parameter');
    }
    const payload = await callLambda(deps, lambdaFunctionName(functionName), params['Payload'] ?? {});
    return {
      ExecutedVersion: '$LATEST',
      Payload: payload,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: crypto.randomUUID() },
      StatusCode: 200,
    };
  }
  return callSdk(resource.integration, resource.service, resource.action, parameters, deps.clients);
}

async function callLambda(
  deps: IntegrationDeps,
  functionName: string,
  payload: JsonValue,
): Promise<JsonValue> {
  if (!deps.invokeLambda) {
    throw new TaskError('Lambda.ServiceException', `No invokeLambda configured (function '${functionName}')`);
  }
  try {
    return toJsonValue(await deps.invokeLambda(functionName, payload));
  } catch (error) {
    const { name, message, stack } = describeError(error);
    // The Lambda service refused the call (no such function, ...): no function ran, so no trace.
    if (name.startsWith('Lambda.')) {
      const code = name.slice('Lambda.'.length);
      throw new TaskError(
        name,
        `${message} (Service: Lambda, Status Code: ${code === 'ResourceNotFoundException' ? 404 : 400}, Error Code: ${code}, Request ID: ${crypto.randomUUID()})`,
      );
    }
    // As AWS reports a function error: the error type as name, a JSON document as cause.
    const cause = { errorType: name, errorMessage: message, trace: (stack ?? '').split('\n') };
    throw new TaskError(name, JSON.stringify(cause));
  }
}

async function callSdk(
  integration: 'optimised' | 'aws-sdk',
  service: string,
  action: string,
  parameters: JsonValue,
  clients: ServiceClients,
): Promise<JsonValue> {
  const loadModule = SDK_MODULES[service];
  const client = clients[service];
  if (!loadModule || !client) {
    throw new TaskError('States.TaskFailed', `No SDK client configured for service '${service}'`);
  }
  const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
  const Command = (await loadModule())[commandName];
  if (typeof Command !== 'function') {
    throw new TaskError('States.Runtime', `Unsupported action '${service}:${action}' (no ${commandName})`);
  }
  const input = service === 'sqs' ? withStringMessageBody(parameters) : parameters;
  try {
    const output = await client.send(new (Command as new (input: unknown) => object)(input));
    const json = toJsonValue(output);
    if (isJsonObject(json)) delete json['$metadata'];
    return json;
  } catch (error) {
    throw serviceError(integration, service, error);
  }
}

/** Step Functions accepts a JSON object as an SQS MessageBody and sends it serialised. */
function withStringMessageBody(parameters: JsonValue): JsonValue {
  if (!isJsonObject(parameters)) return parameters;
  const body = parameters['MessageBody'];
  if (body === undefined || typeof body === 'string') return parameters;
  return { ...parameters, MessageBody: JSON.stringify(body) } satisfies JsonObject;
}

function serviceError(integration: 'optimised' | 'aws-sdk', service: string, error: unknown): TaskError {
  const { name, message } = describeError(error);
  // Plain JavaScript errors (TypeError, a refused connection) are not service error codes.
  if (name === 'Error' || /^[A-Z][a-z]+Error$/.test(name)) {
    return new TaskError('States.TaskFailed', message);
  }
  const prefixes = integration === 'optimised' ? OPTIMISED_PREFIX : AWS_SDK_PREFIX;
  const prefix = prefixes[service] ?? `${service.charAt(0).toUpperCase()}${service.slice(1)}`;
  const code = name.endsWith('Exception') ? name : `${name}Exception`;
  const status = statusCodeOf(error);
  return new TaskError(
    `${prefix}.${code}`,
    `${message} (Service: ${prefix}, Status Code: ${status}, Error Code: ${name})`,
  );
}

function statusCodeOf(error: unknown): number {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return 400;
  const metadata = error.$metadata;
  if (typeof metadata === 'object' && metadata !== null && 'httpStatusCode' in metadata) {
    return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : 400;
  }
  return 400;
}

/** A Task state's `Resource`, classified the way Step Functions dispatches it. */
export type TaskResource =
  | { kind: 'lambda-function'; arn: string; functionName: string }
  | {
      kind: 'service';
      integration: 'optimised' | 'aws-sdk';
      service: string;
      action: string;
      waitForTaskToken: boolean;
      /** `resourceType` / `resource` as they appear in task history events. */
      resourceType: string;
      resource: string;
    };

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
const SERVICE_ARN = /^arn:aws[a-z-]*:states:::(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(\.[A-Za-z]+)?$/;

export function parseTaskResource(resource: string): TaskResource {
  const lambda = LAMBDA_ARN.exec(resource);
  if (lambda?.[1] !== undefined) return { kind: 'lambda-function', arn: resource, functionName: lambda[1] };

  const service = SERVICE_ARN.exec(resource);
  if (service?.[2] === undefined || service[3] === undefined) {
    throw new Error(`Unsupported Task resource '${resource}'`);
  }
  const [, sdkPrefix, serviceName, action, suffix] = service;
  if (suffix !== undefined && suffix !== '.waitForTaskToken') {
    throw new Error(`Unsupported integration pattern '${suffix}' in '${resource}'`);
  }
  return {
    kind: 'service',
    integration: sdkPrefix === undefined ? 'optimised' : 'aws-sdk',
    service: serviceName,
    action,
    waitForTaskToken: suffix === '.waitForTaskToken',
    resourceType: sdkPrefix === undefined ? serviceName : `aws-sdk:${serviceName}`,
    resource: `${action}${suffix ?? ''}`,
  };
}

/** Accepts a function name, a full or partial ARN, with or without qualifier; returns the name. */
export function lambdaFunctionName(nameOrArn: string): string {
  const fromArn = /(?:^|:)function:([^:]+)/.exec(nameOrArn)?.[1];
  return fromArn ?? nameOrArn.split(':')[0] ?? nameOrArn;
}

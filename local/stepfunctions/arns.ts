import { SfnApiError } from './errors';

export interface ArnScope {
  region: string;
  accountId: string;
}

const NAME_PATTERN = /^[0-9A-Za-z_-]{1,80}$/;

export function assertValidName(name: string, what: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new SfnApiError('InvalidName', `Invalid ${what} name '${name}': 1-80 characters of [0-9A-Za-z_-]`);
  }
}

export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: ArnScope, machineName: string, executionName: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${machineName}:${executionName}`;
}

const ARN_PATTERN = /^arn:aws:states:[^:]*:[^:]*:(stateMachine|execution):([^:]+)(?::([^:]+))?$/;

export function assertStateMachineArn(arn: unknown): string {
  if (typeof arn !== 'string' || ARN_PATTERN.exec(arn)?.[1] !== 'stateMachine') {
    throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  }
  return arn;
}

export function assertExecutionArn(arn: unknown): string {
  const match = typeof arn === 'string' ? ARN_PATTERN.exec(arn) : null;
  if (typeof arn !== 'string' || match?.[1] !== 'execution' || match[3] === undefined) {
    throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  }
  return arn;
}

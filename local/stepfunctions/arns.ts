import { SfnApiError } from './errors.ts';

export interface ArnScope {
  region: string;
  accountId: string;
}

/**
 * AWS's rule for state machine and execution names: 1-80 characters, none of them whitespace, brackets
 * `< > { } [ ]`, wildcards `? *`, the characters `" # % \ ^ | ~ $ & , ; : /` and the backquote, or a
 * control character. So
 * `my.machine+v2` and `run.2024-01-01` are legal.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

export function assertValidName(name: string): void {
  if (name.length === 0 || [...name].length > 80 || FORBIDDEN.test(name)) {
    throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
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

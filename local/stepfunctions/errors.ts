/** Error codes of the Step Functions API that this service answers with. */
export type SfnErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionNotRedrivable'
  | 'ResourceNotFound'
  | 'StateMachineTypeNotSupported'
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDoesNotExist'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalFailure';

/** A failed API call; the HTTP layer turns it into an awsJson1_0 error body. */
export class SfnApiError extends Error {
  override readonly name = 'SfnApiError';

  constructor(
    readonly code: SfnErrorCode,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

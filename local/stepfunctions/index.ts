export { StepFunctionsService } from './service';
export type { RegisterStateMachineInput, StepFunctionsServiceOptions } from './service';
export { createStepFunctionsHandler, startStepFunctionsServer } from './http';
export type { RequestHandler, StepFunctionsServer } from './http';
export type { InvokeLambda, SdkClient, ServiceClients } from './integrations';
export type {
  ExecutionChange,
  ExecutionRecord,
  ExecutionStatus,
  StateMachineRecord,
  StoredHistoryEvent,
} from './records';
export { applyDefinitionSubstitutions } from './substitutions';
export { validateDefinition } from './validate-definition';
export { SfnApiError } from './errors';

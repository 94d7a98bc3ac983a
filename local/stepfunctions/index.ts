export { StepFunctionsService } from './service.ts';
export type { RegisterStateMachineInput, StepFunctionsServiceOptions } from './service.ts';
export { createStepFunctionsHandler, startStepFunctionsServer } from './http.ts';
export type { RequestHandler, StepFunctionsServer } from './http.ts';
export type { InvokeLambda, SdkClient, ServiceClients } from './integrations.ts';
export type {
  ExecutionChange,
  ExecutionRecord,
  ExecutionStatus,
  StateMachineRecord,
  StoredHistoryEvent,
} from './records.ts';
export { applyDefinitionSubstitutions } from './substitutions.ts';
export { validateDefinition } from './validate-definition.ts';
export { SfnApiError } from './errors.ts';

/**
 * Errors a workflow Lambda throws on purpose. Step Functions matches on the error's name (the
 * Node.js runtime reports `error.name` as the errorType), so the names are part of the ASL contract.
 */
export class InvalidStateError extends Error {
  override readonly name = 'Workflow.InvalidState';
}

/**
 * The Anthropic key on AWS: the stack creates its Secrets Manager secret with this placeholder (so the
 * worker's task can start before anyone has stored a key) and the worker treats it as no key.
 */
export const MODEL_KEY_PLACEHOLDER = 'not-configured';

/** Set on the worker where a real model is required (AWS): the name of the secret to fill in. */
export const MODEL_KEY_SECRET_ENV = 'MODEL_CREDENTIAL_NAME';

/** The key, or undefined when it is missing or still the placeholder. */
export const configuredModelKey = (value: string | undefined): string | undefined =>
  value && value !== MODEL_KEY_PLACEHOLDER ? value : undefined;

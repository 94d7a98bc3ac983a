import { createRequire } from 'node:module';

interface AslValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidationResult;

// asl-validator ships CommonJS without type declarations.
const loaded: unknown = createRequire(import.meta.url)('asl-validator');
if (typeof loaded !== 'function') throw new Error('asl-validator did not export a function');
const aslValidator = loaded as AslValidator;

export interface DefinitionValidation {
  valid: boolean;
  errors: string[];
}

// asl-validator builds and compiles its JSON schemas on every call (~0.5 s); remember the answers.
const cache = new Map<string, DefinitionValidation>();
const CACHE_LIMIT = 100;

/** Validates an ASL definition (object or JSON text) with asl-validator, as `CreateStateMachine` does. */
export function validateDefinition(definition: unknown): DefinitionValidation {
  const key = typeof definition === 'string' ? definition : JSON.stringify(definition);
  const known = cache.get(key);
  if (known) return known;
  const result = validateUncached(definition);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, result);
  return result;
}

function validateUncached(definition: unknown): DefinitionValidation {
  let parsed: unknown = definition;
  if (typeof definition === 'string') {
    try {
      parsed = JSON.parse(definition);
    } catch (error) {
      return { valid: false, errors: [`Definition is not JSON: ${(error as Error).message}`] };
    }
  }
  // The validator annotates the object it is given (QueryLanguage); keep the caller's copy intact.
  const result = aslValidator(structuredClone(parsed), { checkPaths: true, checkArn: true });
  return {
    valid: result.isValid,
    errors: result.isValid ? [] : result.errorsText('\n').split('\n'),
  };
}

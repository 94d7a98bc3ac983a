/**
 * Replaces `${Name}` placeholders the way CloudFormation's DefinitionSubstitutions do (plain text), so
 * the same ASL file runs locally and on AWS. Placeholders left without a value are an error rather
 * than a silently broken resource ARN.
 */
export function applyDefinitionSubstitutions(
  definition: string,
  substitutions: Readonly<Record<string, string>> = {},
): string {
  const missing = new Set<string>();
  const result = definition.replace(/\$\{([A-Za-z0-9_.-]+)\}/g, (placeholder, key: string) => {
    const value = substitutions[key];
    if (value === undefined) {
      missing.add(key);
      return placeholder;
    }
    return value;
  });
  if (missing.size > 0) {
    throw new Error(`Definition substitutions missing for: ${[...missing].join(', ')}`);
  }
  return result;
}

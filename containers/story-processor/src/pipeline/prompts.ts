import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Which variables each template may use; a template using anything else is refused before any model call. */
export const PROMPT_VARIABLES = {
  system: [],
  plan: ['instruction', 'files', 'repoMap'],
  generate: ['instruction', 'story', 'files', 'previousOutput', 'commits', 'lastValidation'],
  fix: ['instruction', 'story', 'files', 'validationErrors', 'previousOutput'],
} as const satisfies Record<string, readonly string[]>;

export type PromptName = keyof typeof PROMPT_VARIABLES;
export type PromptVariables<N extends PromptName> = Record<(typeof PROMPT_VARIABLES)[N][number], string>;

export const PROMPT_NAMES = Object.keys(PROMPT_VARIABLES) as PromptName[];

export class PromptError extends Error {
  override name = 'PromptError';
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export const placeholdersOf = (template: string): string[] =>
  [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1] ?? ''))].sort();

export type PromptTemplates = Record<PromptName, string>;

/** Reads the default templates (`<name>.md`) from a folder. */
export async function loadPromptTemplates(dir: string): Promise<PromptTemplates> {
  const entries = await Promise.all(
    PROMPT_NAMES.map(async (name) => [name, await readFile(path.join(dir, `${name}.md`), 'utf8')] as const),
  );
  return Object.fromEntries(entries) as PromptTemplates;
}

/** The default templates shipped with the worker. */
export const defaultPromptDir = (): string => path.resolve(import.meta.dirname, '../../prompts');

/** A job's templates: the defaults with the project's overrides, every placeholder checked. */
export class JobPrompts {
  private constructor(private readonly templates: PromptTemplates) {}

  static create(defaults: PromptTemplates, overrides: Record<string, string>): JobPrompts {
    for (const name of Object.keys(overrides)) {
      if (!(name in PROMPT_VARIABLES))
        throw new PromptError(
          `prompt override "${name}" is not a template; known: ${PROMPT_NAMES.join(', ')}`,
        );
    }
    const templates = { ...defaults, ...overrides } as PromptTemplates;
    for (const name of PROMPT_NAMES) {
      const allowed: readonly string[] = PROMPT_VARIABLES[name];
      const unknown = placeholdersOf(templates[name]).filter((variable) => !allowed.includes(variable));
      if (unknown.length > 0) {
        throw new PromptError(
          `prompt "${name}" uses ${unknown.map((v) => `{{${v}}}`).join(', ')}, which is not provided; ` +
            `available: ${allowed.length ? allowed.map((v) => `{{${v}}}`).join(', ') : 'none'}`,
        );
      }
    }
    return new JobPrompts(templates);
  }

  render<N extends PromptName>(name: N, variables: PromptVariables<N>): string {
    const values: Record<string, string | undefined> = variables;
    return this.templates[name].replace(PLACEHOLDER, (_match, variable: string) => {
      const value = values[variable];
      if (value === undefined) throw new PromptError(`prompt "${name}": no value for {{${variable}}}`);
      return value;
    });
  }
}

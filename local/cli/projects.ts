import { readFileSync } from 'node:fs';
import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry.ts';
import { parseProject } from '#domain/project-config.ts';
import { projectAddressFor } from '#domain/project-address.ts';
import { CliError, type CliContext } from './cli-context.ts';
import { output, table } from './format.ts';

const registryOf = (context: CliContext) =>
  new DynamoDbProjectRegistry(context.clients.documents, context.config.projectsTable);

export async function listProjects(context: CliContext, json: boolean): Promise<void> {
  const projects = await registryOf(context).list();
  output(json, projects, () =>
    table(
      ['PROJECT', 'ADDRESSES', 'ALLOWED SENDERS', 'MODEL', 'VALIDATION'],
      projects.map((project) => [
        project.id,
        project.users
          .map((user) => projectAddressFor(project.id, user, context.config.mailDomain))
          .join(', '),
        project.allowedSenders.join(', '),
        project.settings.model,
        project.settings.validationCommands.map((command) => command.name).join(', '),
      ]),
    ),
  );
}

export interface AddProjectOptions {
  users: string[];
  allow: string[];
  settings?: string;
  /** The `repository` block; undefined keeps what the project has. */
  repository?: Record<string, unknown>;
  json: boolean;
}

export interface AddProjectFlags {
  user: string[];
  allow: string[];
  settings?: string;
  repo?: string;
  defaultBranch?: string;
  repoTokenEnv?: string;
  repoTokenFile?: string;
  repoTokenSecret?: string;
  knownHosts?: string;
  pullRequests?: string;
  apiUrl?: string;
  gitlabProject?: string;
  json?: boolean;
}

/** The `--repo …` flags as the project's `repository` block (the schema checks it). */
export function repositoryFlagsOf(flags: AddProjectFlags): Record<string, unknown> | undefined {
  if (!flags.repo) return undefined;
  const credentials = flags.repoTokenEnv
    ? { env: flags.repoTokenEnv }
    : flags.repoTokenFile
      ? { file: flags.repoTokenFile }
      : flags.repoTokenSecret
        ? { secret: flags.repoTokenSecret }
        : undefined;
  return {
    url: flags.repo,
    ...(flags.defaultBranch ? { defaultBranch: flags.defaultBranch } : {}),
    ...(credentials ? { credentials } : {}),
    ...(flags.knownHosts ? { knownHosts: readKnownHosts(flags.knownHosts) } : {}),
    pullRequests: {
      provider: flags.pullRequests ?? 'none',
      ...(flags.apiUrl ? { apiBaseUrl: flags.apiUrl } : {}),
      ...(flags.gitlabProject ? { project: flags.gitlabProject } : {}),
    },
  };
}

function readKnownHosts(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`Cannot read the known_hosts file ${file}.`);
  }
}

/** Adds or replaces a project; the schema names any field that is wrong. */
export async function addProject(context: CliContext, id: string, options: AddProjectOptions): Promise<void> {
  const registry = registryOf(context);
  const existing = await registry.get(id);
  const input = {
    id,
    users: [...new Set([...(existing?.users ?? []), ...options.users])],
    allowedSenders: [...new Set([...(existing?.allowedSenders ?? []), ...options.allow])],
    settings: {
      ...existing?.settings,
      ...(options.settings ? (JSON.parse(options.settings) as object) : {}),
    },
    ...(options.repository
      ? { repository: options.repository }
      : existing?.repository
        ? { repository: existing.repository }
        : {}),
  };
  const project = parseProject(input);
  await registry.put(project);
  output(options.json, project, () =>
    [
      `project ${project.id} saved`,
      ...project.users.map(
        (user) => `  address: ${projectAddressFor(project.id, user, context.config.mailDomain)}`,
      ),
      `  allowed: ${project.allowedSenders.join(', ')}`,
      `  repository: ${project.repository ? `${project.repository.url} (pull requests: ${project.repository.pullRequests.provider})` : "none (a repository on the worker's disk)"}`,
    ].join('\n'),
  );
}

import { DynamoDbProjectRegistry } from '#adapters/dynamodb-project-registry';
import { parseProject, type ProjectInput } from '#domain/project-config';
import { projectAddressFor } from '#domain/thread-id';
import type { CliContext } from './cli-context.ts';
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
  json: boolean;
}

/** Adds or replaces a project; the schema names any field that is wrong. */
export async function addProject(context: CliContext, id: string, options: AddProjectOptions): Promise<void> {
  const registry = registryOf(context);
  const existing = await registry.get(id);
  const input: ProjectInput = {
    id,
    users: [...new Set([...(existing?.users ?? []), ...options.users])],
    allowedSenders: [...new Set([...(existing?.allowedSenders ?? []), ...options.allow])],
    settings: {
      ...existing?.settings,
      ...(options.settings ? (JSON.parse(options.settings) as object) : {}),
    },
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
    ].join('\n'),
  );
}

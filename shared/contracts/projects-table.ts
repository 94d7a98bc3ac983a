import { parseProject, type Project } from '../domain/project-config.ts';

/**
 * The projects table, the one place that knows its item: the project registry, pk = project id, the
 * validated project in `project`. Written by the CLI (`intake projects`) and the local runtime's
 * seeding; read by ParseEmail, ClaimJob and the worker through `DynamoDbProjectRegistry`.
 */

/** An item of the projects table. */
export interface ProjectItem {
  pk: string;
  project: Project;
  updatedAt: string;
}

export const projectKey = (projectId: string): { pk: string } => ({ pk: projectId });

/** The item a registration writes: the project is validated first, so no invalid project is stored. */
export function projectItemFor(project: Project, now: Date): ProjectItem {
  const valid = parseProject(project);
  return { ...projectKey(valid.id), project: valid, updatedAt: now.toISOString() };
}

/** The project an item holds, validated again: a hand-edited item fails here with its cause. */
export const projectOf = (item: Pick<ProjectItem, 'project'>): Project => parseProject(item.project);

export const byProjectId = (a: Project, b: Project): number => a.id.localeCompare(b.id);

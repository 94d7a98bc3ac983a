import type { Project } from './project-config.ts';

/** Where projects live: the projects table (`DynamoDbProjectRegistry`), or in memory in tests. */
export interface ProjectRegistry {
  get(projectId: string): Promise<Project | undefined>;
  list(): Promise<Project[]>;
  put(project: Project): Promise<void>;
}

import type { Project } from './project-config.ts';

/** Where projects live. An in-memory one now; a DynamoDB-backed one implements the same interface. */
export interface ProjectRegistry {
  get(projectId: string): Promise<Project | undefined>;
  list(): Promise<Project[]>;
  put(project: Project): Promise<void>;
}

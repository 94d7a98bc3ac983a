import type { Project } from './project-config.ts';
import type { ProjectRegistry } from './project-registry.ts';

/** A registry in a Map, for tests and the local runtime. Hands out copies so callers cannot mutate it. */
export class InMemoryProjectRegistry implements ProjectRegistry {
  readonly #projects = new Map<string, Project>();

  constructor(projects: readonly Project[] = []) {
    for (const project of projects) this.#projects.set(project.id, structuredClone(project));
  }

  async get(projectId: string): Promise<Project | undefined> {
    const project = this.#projects.get(projectId);
    return project && structuredClone(project);
  }

  async list(): Promise<Project[]> {
    return [...this.#projects.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((project) => structuredClone(project));
  }

  async put(project: Project): Promise<void> {
    this.#projects.set(project.id, structuredClone(project));
  }
}

import { systemClock, type Clock } from '../contracts/clock.ts';
import { byProjectId, projectItemFor, projectOf, type ProjectItem } from '../contracts/projects-table.ts';
import type { Project } from './project-config.ts';
import type { ProjectRegistry } from './project-registry.ts';

/**
 * The projects table in a Map of contract items, for tests and the local runtime: it validates what
 * it stores as the DynamoDB registry does, and hands out copies so callers cannot mutate it.
 */
export class InMemoryProjectRegistry implements ProjectRegistry {
  readonly #items = new Map<string, ProjectItem>();

  constructor(
    projects: readonly Project[] = [],
    private readonly clock: Clock = systemClock,
  ) {
    for (const project of projects) this.#store(project);
  }

  #store(project: Project): void {
    const item = projectItemFor(structuredClone(project), this.clock.now());
    this.#items.set(item.pk, item);
  }

  async get(projectId: string): Promise<Project | undefined> {
    const item = this.#items.get(projectId);
    return item && structuredClone(projectOf(item));
  }

  async list(): Promise<Project[]> {
    return [...this.#items.values()].map((item) => structuredClone(projectOf(item))).sort(byProjectId);
  }

  async put(project: Project): Promise<void> {
    this.#store(project);
  }
}

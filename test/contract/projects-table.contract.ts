import { describe, expect, it } from 'vitest';
import { projectItemFor, projectKey, type ProjectItem } from '#contracts/projects-table.ts';
import { parseProject, type Project } from '#domain/project-config.ts';
import type { ProjectRegistry } from '#domain/project-registry.ts';

/** The project registry and, where the table is real, a way to read an item as it is stored. */
export interface ProjectsTableUnderTest {
  registry: ProjectRegistry;
  read?(key: { pk: string }): Promise<ProjectItem | undefined>;
  /** The time the registry stamps on what it writes. */
  now: Date;
}

let counter = 0;
const freshProject = (): Project =>
  parseProject({
    id: `contract-${process.pid}-${++counter}`,
    users: ['scott'],
    allowedSenders: ['scott@example.com'],
  });

export function describeProjectsTableContract(name: string, table: () => ProjectsTableUnderTest): void {
  describe(`projects table contract: ${name}`, () => {
    it('returns the project it was given, validated, and nothing for an unknown id', async () => {
      const { registry, read, now } = table();
      const project = freshProject();
      await registry.put(project);
      expect(await registry.get(project.id)).toEqual(project);
      expect(await registry.get(`${project.id}-unknown`)).toBeUndefined();
      if (read) expect(await read(projectKey(project.id))).toEqual(projectItemFor(project, now));
    });

    it('refuses to store a project that fails validation, naming the field', async () => {
      const { registry } = table();
      const invalid = { ...freshProject(), id: 'Not A Valid Id!' } as Project;
      await expect(registry.put(invalid)).rejects.toThrow(/id/);
      expect(await registry.get(invalid.id)).toBeUndefined();
    });

    it('replaces a project put again, and lists projects by id', async () => {
      const { registry } = table();
      const b = freshProject();
      const a = freshProject();
      await registry.put(b);
      await registry.put(a);
      await registry.put({ ...b, allowedSenders: ['@example.com'] });
      const listed = (await registry.list()).filter((p) => p.id === a.id || p.id === b.id);
      expect(listed.map((p) => p.id)).toEqual([a.id, b.id].sort());
      expect(listed.find((p) => p.id === b.id)?.allowedSenders).toEqual(['@example.com']);
    });
  });
}

import { InMemoryProjectRegistry } from '#domain/in-memory-project-registry.ts';
import { parseProject, type Project } from '#domain/project-config.ts';

export const FIXTURE_DOMAIN = 'intake.localhost';

/** Small limits so that the corpus can show every size rule without megabyte fixtures. */
export const FIXTURE_LIMITS = {
  maxEmailBytes: 64 * 1024,
  maxAttachmentBytes: 16 * 1024,
  maxAttachments: 3,
  maxTotalAttachmentBytes: 48 * 1024,
};

export function fixtureProject(): Project {
  return parseProject({
    id: 'amelia',
    users: ['scott'],
    allowedSenders: ['scott@example.com', '@trusted.example'],
    settings: { limits: FIXTURE_LIMITS },
  });
}

export function fixtureRegistry(): InMemoryProjectRegistry {
  return new InMemoryProjectRegistry([
    fixtureProject(),
    parseProject({ id: 'other', users: ['someone'], allowedSenders: ['@other.example'] }),
  ]);
}

import { describe, expect, it } from 'vitest';
import { InMemoryProjectRegistry } from '#domain/in-memory-project-registry.ts';
import {
  DEFAULT_LIMITS,
  isSenderAllowed,
  jobSettingsOf,
  loadProjectsFromJson,
  parseProject,
  ProjectConfigError,
} from '#domain/project-config.ts';
import { jobSettingsSchema } from '#contracts/messages.ts';

const minimal = { id: 'amelia', users: ['scott'], allowedSenders: ['scott@example.com'] };
const load =
  (projects: unknown): (() => unknown) =>
  () =>
    loadProjectsFromJson(JSON.stringify({ projects }));

describe('loadProjectsFromJson', () => {
  it('applies the documented defaults', () => {
    const [project] = loadProjectsFromJson(JSON.stringify({ projects: [minimal] }));
    expect(project?.settings).toEqual({
      model: 'claude-sonnet-5-5',
      validationCommands: [],
      maxFixAttempts: 2,
      queueWaitSeconds: 3600,
      heartbeatSeconds: 60,
      leaseSeconds: 30,
      jobTimeoutSeconds: 3600,
      limits: DEFAULT_LIMITS,
      rateLimits: { windowSeconds: 3600, perSender: 20, perProject: 100 },
      promptOverrides: {},
      sandbox: { mode: 'worker', network: false, memoryMb: 2048, maxProcesses: 256 },
    });
  });

  it('keeps given settings and fills the rest', () => {
    const [project] = loadProjectsFromJson(
      JSON.stringify({
        projects: [
          {
            ...minimal,
            allowedSenders: ['Scott@Example.com', '@Trusted.Example'],
            settings: {
              model: 'claude-opus-4-1',
              validationCommands: [{ name: 'test', command: 'npm test' }],
              limits: { maxAttachments: 5 },
            },
          },
        ],
      }),
    );
    expect(project?.allowedSenders).toEqual(['scott@example.com', '@trusted.example']);
    expect(project?.settings.validationCommands).toEqual([
      { name: 'test', command: 'npm test', timeoutSeconds: 300 },
    ]);
    expect(project?.settings.limits).toEqual({ ...DEFAULT_LIMITS, maxAttachments: 5 });
  });

  it.each([
    [[{ ...minimal, users: ['scott', 'Bad.User'] }], 'projects[0].users[1]: must be 1-24 characters'],
    [[{ ...minimal, id: 'Amelia' }], 'projects[0].id:'],
    [
      [minimal, { ...minimal, allowedSenders: ['scott'] }],
      'projects[1].allowedSenders[0]: must be an address',
    ],
    [[{ ...minimal, allowedSenders: ['@localhost'] }], 'projects[0].allowedSenders[0]'],
    [[{ ...minimal, allowedSenders: [] }], 'projects[0].allowedSenders: must list at least one'],
    [[{ ...minimal, users: [] }], 'projects[0].users: must list at least one user'],
    [[{ ...minimal, settings: { maxFixAttempts: -1 } }], 'projects[0].settings.maxFixAttempts'],
    [
      [{ ...minimal, settings: { limits: { maxEmailBytes: 0 } } }],
      'projects[0].settings.limits.maxEmailBytes',
    ],
    [
      [{ ...minimal, settings: { validationCommands: [{ name: 'x' }] } }],
      'projects[0].settings.validationCommands[0].command',
    ],
    [
      [{ ...minimal, settings: { heartbeatSeconds: 3600 } }],
      'projects[0].settings.jobTimeoutSeconds: must be longer than heartbeatSeconds',
    ],
    [[{ ...minimal, settings: { modle: 'x' } }], 'projects[0].settings'],
    [
      [
        {
          ...minimal,
          settings: { sandbox: { network: { allow: ['registry.npmjs.org:443', '10.0.0.1:80'] } } },
        },
      ],
      'projects[0].settings.sandbox.network.allow[1]: "10.0.0.1:80" is an IP address',
    ],
    [
      [{ ...minimal, settings: { sandbox: { network: { allow: ['registry.npmjs.org'] } } } }],
      'projects[0].settings.sandbox.network.allow[0]: "registry.npmjs.org" needs a port',
    ],
    [
      [{ ...minimal, settings: { sandbox: { network: 'registry.npmjs.org' } } }],
      'projects[0].settings.sandbox.network: must be false, true or { "allow"',
    ],
    [[minimal, minimal], 'projects[1].id: duplicate project id "amelia"'],
  ])('names the offending field (%#)', (projects, message) => {
    expect(load(projects)).toThrow(ProjectConfigError);
    expect(load(projects)).toThrow(message);
  });

  it('reports JSON syntax errors and a missing projects array', () => {
    expect(() => loadProjectsFromJson('{ nope')).toThrow(/not valid JSON/);
    expect(() => loadProjectsFromJson('[]')).toThrow(ProjectConfigError);
    expect(() => loadProjectsFromJson('{}')).toThrow('projects:');
  });
});

describe('parseProject', () => {
  it('prefixes field paths with "project"', () => {
    expect(() => parseProject({ ...minimal, users: ['ok', 'NOT OK'] })).toThrow('project.users[1]:');
  });
});

describe('jobSettingsOf', () => {
  it('produces settings the job message schema accepts, without the limits', () => {
    const settings = jobSettingsOf(parseProject(minimal));
    expect(jobSettingsSchema.parse(settings)).toEqual(settings);
    expect(settings).not.toHaveProperty('limits');
  });
});

describe('isSenderAllowed', () => {
  const project = parseProject({ ...minimal, allowedSenders: ['scott@example.com', '@trusted.example'] });

  it.each([
    ['scott@example.com', true],
    ['SCOTT@Example.COM', true],
    ['anyone@trusted.example', true],
    ['anyone@TRUSTED.example', true],
    ['scott+tag@example.com', false],
    ['mallory@example.com', false],
    ['anyone@sub.trusted.example', false],
    ['anyone@trusted.example.evil.com', false],
    ['anyone@nottrusted.example', false],
    ['"Scott" <scott@example.com>', false],
    ['scott@example.com <mallory@evil.example>', false],
    ['', false],
  ])('%s → %s', (address, allowed) => {
    expect(isSenderAllowed(project, address)).toBe(allowed);
  });
});

describe('InMemoryProjectRegistry', () => {
  it('gets, lists and puts copies', async () => {
    const amelia = parseProject(minimal);
    const registry = new InMemoryProjectRegistry([amelia]);
    const got = await registry.get('amelia');
    expect(got).toEqual(amelia);
    got?.users.push('intruder');
    expect((await registry.get('amelia'))?.users).toEqual(['scott']);
    expect(await registry.get('nobody')).toBeUndefined();
    await registry.put(parseProject({ ...minimal, id: 'bravo' }));
    expect((await registry.list()).map((project) => project.id)).toEqual(['amelia', 'bravo']);
  });
});

import { describe, expect, it } from 'vitest';
import { jobSettingsOf, loadProjectsFromJson, parseProject } from '#domain/project-config.ts';
import { mergeRequestProject, ownerAndRepoOf, projectPathOf } from '#contracts/repository.ts';

const minimal = { id: 'amelia', users: ['scott'], allowedSenders: ['scott@example.com'] };
const problemsOf = (repository: unknown): string => {
  try {
    loadProjectsFromJson(JSON.stringify({ projects: [{ ...minimal, repository }] }));
    return '';
  } catch (error) {
    return String(error);
  }
};

describe('project repository', () => {
  it('is optional: a project without one keeps no repository in its job settings', () => {
    const project = parseProject(minimal);
    expect(project.repository).toBeUndefined();
    expect(jobSettingsOf(project).repository).toBeUndefined();
  });

  it('accepts a GitHub repository, defaults pull requests to none, and copies it into job settings', () => {
    const project = parseProject({
      ...minimal,
      repository: {
        url: 'https://github.com/acme/widgets.git',
        credentials: { secret: 'intake/repositories/widgets' },
        pullRequests: { provider: 'github' },
      },
    });
    expect(project.repository?.pullRequests.provider).toBe('github');
    expect(jobSettingsOf(project).repository?.url).toBe('https://github.com/acme/widgets.git');
    expect(parseProject({ ...minimal, repository: { url: '/srv/git/widgets.git' } }).repository).toEqual({
      url: '/srv/git/widgets.git',
      pullRequests: { provider: 'none' },
    });
  });

  it.each([
    [{ url: 'ftp://example.com/x.git' }, 'projects[0].repository.url: must be an https:// or ssh:// URL'],
    [{ url: 'http://example.com/x.git' }, 'projects[0].repository.url: must be an https:// or ssh:// URL'],
    [
      { url: 'https://user:tok@github.com/a/b.git' },
      'projects[0].repository.url: must not carry a user name',
    ],
    [
      { url: '/srv/x.git', defaultBranch: '../main' },
      'projects[0].repository.defaultBranch: must be a plain',
    ],
    [{ url: '/srv/x.git', credentials: { env: 'lower' } }, 'projects[0].repository.credentials'],
    [
      { url: '/srv/x.git', pullRequests: { provider: 'gitlab' } },
      'projects[0].repository.pullRequests: cannot derive the GitLab project path',
    ],
    [
      { url: 'git@gitlab.com:acme/widgets.git' },
      'projects[0].repository.knownHosts: an ssh remote needs the host keys to trust',
    ],
    [
      { url: 'ssh://git@example.com/acme/widgets.git', knownHosts: 'example.com not-a-key' },
      'projects[0].repository.knownHosts: must be known_hosts lines',
    ],
    [
      {
        url: 'git@github.com:acme/widgets.git',
        knownHosts:
          'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
        credentials: { env: 'DEPLOY_KEY' },
        pullRequests: { provider: 'github' },
      },
      'projects[0].repository.pullRequests.credentials: an ssh deploy key cannot call the github API',
    ],
    [
      { url: 'https://github.com/a/b', knownHosts: 'github.com ssh-ed25519 AAAAC3Nz' },
      'projects[0].repository.knownHosts: only for ssh remotes',
    ],
    [
      { url: '/srv/x.git', pullRequests: { provider: 'github' } },
      'projects[0].repository.pullRequests: cannot derive owner/repo',
    ],
    [
      {
        url: 'https://github.com/a/b',
        pullRequests: { provider: 'github', apiBaseUrl: 'http://example.com' },
      },
      'projects[0].repository.pullRequests.apiBaseUrl: must be an https:// URL',
    ],
    [{ url: '/srv/x.git', token: 'x' }, 'projects[0].repository: Unrecognized key: "token"'],
  ])('names the bad field of %j', (repository, message) => {
    expect(problemsOf(repository)).toContain(message);
  });

  it('accepts GitLab merge requests on a self-hosted instance and an ssh remote with pinned host keys', () => {
    const project = parseProject({
      ...minimal,
      repository: {
        url: 'git@gitlab.example.com:acme/platform/widgets.git',
        knownHosts:
          '# pinned\ngitlab.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n',
        credentials: { secret: 'intake/repositories/widgets-deploy-key' },
        pullRequests: {
          provider: 'gitlab',
          apiBaseUrl: 'https://gitlab.example.com',
          credentials: { secret: 'intake/repositories/widgets-api-token' },
        },
      },
    });
    expect(project.repository?.pullRequests.provider).toBe('gitlab');
    expect(mergeRequestProject(project.repository!)).toBe('acme/platform/widgets');
    expect(projectPathOf('https://gitlab.com/acme/widgets.git')).toBe('acme/widgets');
  });

  it('derives owner and repository from https and scp-like URLs', () => {
    expect(ownerAndRepoOf('https://github.com/acme/widgets.git')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(ownerAndRepoOf('git@github.com:acme/widgets.git')).toEqual({ owner: 'acme', repo: 'widgets' });
    expect(ownerAndRepoOf('http://127.0.0.1:9/git/acme/widgets.git')).toEqual({
      owner: 'acme',
      repo: 'widgets',
    });
  });
});

import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapturingLog,
  repositoryHistory,
  startRepositoryWorld,
  TOKEN_VARIABLE,
  type RepositoryWorld,
} from '../../helpers/repository-fixture.ts';
import { GitLabForges } from '../../../containers/story-processor/src/adapters/gitlab-forge.ts';
import { RepositoryCredentialReader } from '../../../containers/story-processor/src/adapters/repository-credentials.ts';
import { createHarness, makeJob, THREE_STORIES } from '../../unit/worker/fakes.ts';

/** GitLab merge requests through gitbeaker, over the local forge's GitLab REST API v4 on loopback. */
describe('GitLab merge requests', () => {
  let world: RepositoryWorld;
  beforeAll(async () => {
    world = await startRepositoryWorld(repositoryHistory(20));
  });
  afterAll(async () => world.stop());

  const gitlabClient = (token: string, waits: number[] = [], log = new CapturingLog()) =>
    new GitLabForges({
      credentials: new RepositoryCredentialReader({ environment: { [TOKEN_VARIABLE]: token } }),
      log,
      retries: 2,
      backoffMs: 5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

  it('pushes each story, opens one draft merge request, updates it per story and marks it ready', async () => {
    const dataDir = await mkdtemp(path.join(world.root, 'worker-'));
    const harness = await createHarness({ ...world.workerParts(dataDir), log: world.log });
    const job = makeJob({ settings: { repository: world.settings('widgets', 'gitlab') } });
    const result = await harness.run(job, THREE_STORIES);
    expect(result.kind).toBe('succeeded');

    const requests = await world.forge.pulls.list('acme/widgets');
    expect(requests).toHaveLength(1);
    const [mr] = requests;
    expect(mr?.head).toBe(`intake/${job.threadId}`);
    expect(mr?.base).toBe('main');
    // Opened as a draft through GitLab's title prefix; ready once the prefix is gone.
    expect(mr?.title).toBe(job.subject);
    expect(mr?.draft).toBe(false);
    expect(mr?.revisions).toBeGreaterThanOrEqual(4);
    expect(mr?.body).toContain('- [x] 3. Document both in the README');
    expect(mr?.body).toContain('> 1. Add a greeting module');
    const stories = await world.remoteGit([
      'log',
      `intake/${job.threadId}`,
      '--format=%H %(trailers:key=Intake-Story,valueonly)',
    ]);
    const pushed = stories.split('\n').filter((line) => /^\w{40} \d/.test(line));
    expect(pushed).toHaveLength(3);
    for (const line of pushed) expect(mr?.body).toContain(line.slice(0, 12));

    const url = `${world.forge.url}/acme/widgets/-/merge_requests/1`;
    expect(harness.mailer.sent.at(-1)?.raw).toContain(`Pull request: ${url}`);
    expect(harness.records.get(job.projectId, job.jobId)?.delivery?.pullRequest).toEqual({ number: 1, url });

    // A reply continues the same branch and the same merge request.
    const reply = makeJob({
      threadId: job.threadId,
      settings: { repository: world.settings('widgets', 'gitlab') },
    });
    harness.leases.seed(`${reply.projectId}#${reply.userId}`, reply.jobId);
    expect((await harness.run(reply, '1. Add a changelog entry\n')).kind).toBe('succeeded');
    expect(await world.forge.pulls.list('acme/widgets')).toHaveLength(1);
    expect(harness.mailer.sent.at(-1)?.raw).toContain(url);
  });

  it('finds the open merge request of a branch before creating one, and notes a failure in it', async () => {
    const forge = await gitlabClient(world.token).connect(world.settings('widgets', 'gitlab'));
    if (!forge) throw new Error('no forge for a gitlab repository');
    await world.remoteGit(['branch', 'intake/tfind', 'main']);
    expect(await forge.find('intake/tfind')).toBeUndefined();
    const created = await forge.create({
      branch: 'intake/tfind',
      base: 'main',
      title: 'Find me',
      body: 'plan',
    });
    expect(created.draft).toBe(true);
    expect(await forge.find('intake/tfind')).toEqual(created);
    await expect(
      forge.create({ branch: 'intake/tfind', base: 'main', title: 'Again', body: 'plan' }),
    ).rejects.toThrow(/GitLab refused the request/);
    await forge.comment(created.number, 'The job failed: the model gave up');
    const stored = (await world.forge.pulls.list('acme/widgets')).find((mr) => mr.head === 'intake/tfind');
    expect(stored?.title).toBe('Draft: Find me');
    expect(stored?.comments.map((note) => note.body)).toEqual(['The job failed: the model gave up']);
  });

  it('retries 429 and 5xx answers, waiting what Retry-After says, then gives up with a clear reason', async () => {
    const waits: number[] = [];
    const log = new CapturingLog();
    const forge = await gitlabClient(world.token, waits, log).connect(world.settings('widgets', 'gitlab'));
    world.forge.failNextApiCalls(2, 429, 7);
    expect(await forge?.find('intake/none')).toBeUndefined();
    expect(waits).toEqual([7000, 7000]);
    expect(log.lines.filter((line) => line.includes('"status":429'))).toHaveLength(2);

    waits.length = 0;
    world.forge.failNextApiCalls(1, 503);
    expect(await forge?.find('intake/none')).toBeUndefined();
    expect(waits).toEqual([5]);

    world.forge.failNextApiCalls(3, 502);
    await expect(forge?.find('intake/none')).rejects.toThrow(/could not be reached/);
  });

  it('calls the API with pullRequests.credentials when the repository itself is reached with an ssh deploy key', async () => {
    const forge = await gitlabClient(world.token).connect({
      url: 'ssh://git@127.0.0.1:1/acme/widgets.git',
      knownHosts:
        '[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
      // Not set for this worker: reading it would fail the call.
      credentials: { env: 'INTAKE_TEST_DEPLOY_KEY_UNSET' },
      pullRequests: {
        provider: 'gitlab',
        apiBaseUrl: world.forge.gitlabUrl,
        credentials: { env: TOKEN_VARIABLE },
      },
    });
    // Answered (not refused): the API saw the token, not the key.
    expect(await forge?.find('intake/nothing-here')).toBeUndefined();
  });

  it.each([
    ['a bad token', 'not-the-token', 'widgets', 'GitLab refused the token'],
    ['an unknown project', undefined, 'no-such-project', 'the project was not found'],
  ])('explains %s', async (_name, token, repo, reason) => {
    const forge = await gitlabClient(token ?? world.token).connect(world.settings(repo, 'gitlab'));
    await expect(forge?.find('intake/x')).rejects.toThrow(reason);
  });
});

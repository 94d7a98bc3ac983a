import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSummarySchema } from '#contracts/messages.ts';
import { JobControl } from '../../../containers/story-processor/src/job/job-control.ts';
import {
  OFFLINE_FAILURE_MARKER,
  OFFLINE_VALIDATION_COMMAND,
  OfflineModelProvider,
} from '../../../containers/story-processor/src/models/offline-provider.ts';
import { runStoryPipeline } from '../../../containers/story-processor/src/pipeline/story-pipeline.ts';
import type {
  EditRequest,
  ModelProvider,
  PlanRequest,
} from '../../../containers/story-processor/src/ports.ts';
import { branchLog, createHarness, makeJob, THREE_STORIES } from './fakes.ts';

const validation = [{ name: 'no-failure-marker', command: OFFLINE_VALIDATION_COMMAND, timeoutSeconds: 10 }];

describe('story pipeline', () => {
  it('turns a three-story spec into three commits with trailers, reports success and replies', async () => {
    const h = await createHarness();
    const job = makeJob();
    const result = await h.run(job, THREE_STORIES);

    expect(result.kind).toBe('succeeded');
    const commits = await branchLog(h, job);
    expect(commits.map((c) => c.subject)).toEqual([
      'Story 1/3: Add a greeting module',
      'Story 2/3: Add a farewell module',
      'Story 3/3: Document both in the README',
    ]);
    for (const [i, commit] of commits.entries()) {
      expect(commit.trailers).toContain(`Intake-Job: ${job.jobId}`);
      expect(commit.trailers).toContain(`Intake-Thread: ${job.threadId}`);
      expect(commit.trailers).toContain(`Intake-Story: ${i + 1}`);
    }
    const [call] = h.callbacks.calls;
    expect(call?.kind).toBe('succeed');
    const summary = jobSummarySchema.parse(JSON.parse(call?.output ?? ''));
    expect(summary.commits).toHaveLength(3);
    expect(summary.branch).toBe(`intake/${job.threadId}`);
    expect(h.queue.deleted).toHaveLength(1);
    expect(h.records.get(job.projectId, job.jobId)?.report?.kind).toBe('succeeded');
    expect(
      h.records.get(job.projectId, job.jobId)?.progress?.stories.every((s) => s.status === 'committed'),
    ).toBe(true);
    expect(h.mailer.sent[0]?.raw).toContain('Got it: 3 stories planned');
    expect(h.mailer.sent[0]?.raw).toContain('Reply to this email to change course');
    expect(h.mailer.sent[1]?.raw).toContain('3 of 3 stories are committed');
    expect(h.mailer.sent[1]?.raw).toContain('no repository is configured for this project');
    expect(h.metrics.count('StoriesCompleted')).toBe(3);
    expect(h.metrics.entries.find((e) => e.name === 'JobsReported')?.dimensions).toEqual({
      Report: 'succeeded',
    });
    // The per-job figures: stories committed, model tokens and the estimated cost (offline model: 0).
    expect(h.metrics.count('StoriesPerJob')).toBe(3);
    expect(h.metrics.entries.filter((e) => e.name === 'TokensPerJob')).toHaveLength(1);
    expect(h.metrics.count('TokensPerJob')).toBeGreaterThan(0);
    expect(h.metrics.entries.filter((e) => e.name === 'JobCostUsd')).toHaveLength(1);
    // Pushed to the project's own bare repository, the durable copy.
    const file = await h.git(
      ['show', `intake/${job.threadId}:stories/02-add-a-farewell-module.md`],
      path.join(h.root, 'workspaces', job.projectId, 'repo.git'),
    );
    expect(file).toContain('# Story 2: Add a farewell module');
  });

  it('resumes after a crash without committing a story twice (the branch log is the ground truth)', async () => {
    const offline = new OfflineModelProvider();
    let crash = true;
    const crashing: ModelProvider = {
      name: 'crashing',
      plan: (request: PlanRequest) => offline.plan(request),
      async edit(request: EditRequest) {
        if (crash && request.storyIndex === 2) {
          await request.tools.writeFile('half-done.txt', 'partial work of story 3');
          throw new Error('simulated SIGKILL');
        }
        return offline.edit(request);
      },
    };
    const h = await createHarness({ model: crashing });
    const job = makeJob();
    h.enqueue(job, THREE_STORIES);
    await expect(runStoryPipeline(job, new JobControl(), h.deps, undefined)).rejects.toThrow(
      'simulated SIGKILL',
    );
    expect(await branchLog(h, job)).toHaveLength(2);

    // The checkpoint lost its last write: only git knows stories 1 and 2 are done.
    const record = h.records.get(job.projectId, job.jobId);
    if (record?.progress) record.progress.checkpoint.completed = [];
    crash = false;
    const result = await h.run(job, THREE_STORIES);

    expect(result.kind).toBe('succeeded');
    const commits = await branchLog(h, job);
    expect(commits.map((c) => c.subject)).toEqual([
      'Story 1/3: Add a greeting module',
      'Story 2/3: Add a farewell module',
      'Story 3/3: Document both in the README',
    ]);
    const stories = h.records.get(job.projectId, job.jobId)?.progress?.stories ?? [];
    expect(stories.map((s) => Boolean(s.resumed))).toEqual([true, true, false]);
    const repo = path.join(h.root, 'workspaces', job.projectId, 'repo.git');
    const tree = await h.git(['ls-tree', '-r', '--name-only', `intake/${job.threadId}`], repo);
    expect(tree).not.toContain('half-done.txt');
  });

  it('fails the job with the validation output in the cause when validation keeps failing', async () => {
    const h = await createHarness();
    const job = makeJob({ settings: { validationCommands: validation, maxFixAttempts: 2 } });
    const result = await h.run(
      job,
      '- Add a module\n- Add a broken module [offline:fail-always]\n- Never reached',
    );

    expect(result.kind).toBe('failed');
    const [call] = h.callbacks.calls;
    expect(call?.error).toBe('Job.Failed');
    expect(call?.cause).toContain(
      'Story 2 of 3 ("Add a broken module") still fails validation after 2 fix attempt(s)',
    );
    expect(call?.cause).toContain(OFFLINE_FAILURE_MARKER);
    expect(call?.cause).toContain('no-failure-marker: exit code 1');
    expect(Buffer.byteLength(call?.cause ?? '')).toBeLessThan(32_768);
    const stories = h.records.get(job.projectId, job.jobId)?.progress?.stories ?? [];
    expect(stories[1]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(stories[1]?.validation[0]?.passed).toBe(false);
    expect(await branchLog(h, job)).toHaveLength(1);
    expect(h.metrics.count('AutoFixFailed')).toBe(1);
    expect(h.mailer.sent.at(-1)?.raw).toContain('could not be completed');
  });

  it('lets the fix loop repair a failing story on the second attempt', async () => {
    const h = await createHarness();
    const job = makeJob({ settings: { validationCommands: validation } });
    const result = await h.run(job, '- Add a module that needs one fix [offline:fail-once]\n- Add another');

    expect(result.kind).toBe('succeeded');
    const stories = h.records.get(job.projectId, job.jobId)?.progress?.stories ?? [];
    expect(stories[0]).toMatchObject({ status: 'committed', attempts: 2 });
    expect(stories[1]).toMatchObject({ status: 'committed', attempts: 1 });
    expect(h.metrics.count('AutoFixSucceeded')).toBe(1);
    expect(h.metrics.count('ValidationFailed')).toBe(1);
    expect(h.metrics.count('ValidationPassed')).toBe(2);
  });

  it('refuses a prompt override with an unknown variable before any model call', async () => {
    let modelCalls = 0;
    const offline = new OfflineModelProvider();
    const counting: ModelProvider = {
      name: 'counting',
      plan: (r) => ((modelCalls += 1), offline.plan(r)),
      edit: (r) => ((modelCalls += 1), offline.edit(r)),
    };
    const h = await createHarness({ model: counting });
    const job = makeJob({
      settings: { promptOverrides: { generate: 'Do {{story}} for ticket {{ticket}}' } },
    });
    const result = await h.run(job, THREE_STORIES);

    expect(result.kind).toBe('failed');
    expect(modelCalls).toBe(0);
    expect(h.callbacks.calls[0]?.cause).toMatch(
      /prompt "generate" uses \{\{ticket\}\}, which is not provided/,
    );
  });

  it('keeps secrets out of commits and records', async () => {
    const secret = 'sk-ant-api03-SECRETSECRETSECRET';
    const h = await createHarness();
    h.deps.secrets = [secret];
    const job = makeJob();
    await h.run(job, `- Store the key ${secret} in the config`);

    const repo = path.join(h.root, 'workspaces', job.projectId, 'repo.git');
    const everything = await h.git(['log', '-p', `intake/${job.threadId}`], repo);
    expect(everything).not.toContain(secret);
    expect(everything).toContain('[redacted]');
    expect(JSON.stringify([...h.records.items.values()])).not.toContain(secret);
  });
});

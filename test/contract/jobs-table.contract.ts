import { describe, expect, it } from 'vitest';
import type { JobItem } from '#contracts/jobs-table.ts';
import type { JobRecords } from '#workflow/ports.ts';
import type {
  Checkpoint,
  JobProgress,
  JobRecordStore,
  WorkerReport,
} from '../../containers/story-processor/src/ports.ts';

/** Both sides of one jobs table (the workflow's and the worker's), and a way to read an item as stored. */
export interface JobsTableUnderTest {
  jobs: JobRecords;
  workers: JobRecordStore;
  read(projectId: string, jobId: string): Promise<(object & Pick<JobItem, 'finishedAt'>) | undefined>;
}

const checkpoint: Checkpoint = {
  plan: [{ title: 'Add the page', description: 'A page that says hello.' }],
  completed: [{ index: 0, commit: 'abc123' }],
  position: { storyIndex: 1, step: 'generate' },
};
const progress = {
  checkpoint,
  stories: [],
  modelUsage: {
    calls: 2,
    inputTokens: 10,
    outputTokens: 20,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
  },
} as const satisfies Partial<JobProgress>;
const report: WorkerReport = { kind: 'succeeded', at: '2026-03-01T10:05:00.000Z', workerId: 'worker-1' };

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

let jobCounter = 0;
const freshJob = (): { projectId: string; jobId: string } => {
  jobCounter += 1;
  return { projectId: 'contract', jobId: `job-${process.pid}-${jobCounter}` };
};

/** The behaviour every implementation of the jobs table keeps, above all what makes a job final. */
export function describeJobsTableContract(name: string, table: () => JobsTableUnderTest): void {
  describe(`jobs table contract: ${name}`, () => {
    it('records an open outcome without marking the job final', async () => {
      const { jobs, read } = table();
      const { projectId, jobId } = freshJob();
      await jobs.record(projectId, jobId, 'queued', { sender: 'scott@example.com' }, T0);
      const item = await read(projectId, jobId);
      expect(item).toMatchObject({ outcome: 'queued', sender: 'scott@example.com' });
      expect(item?.finishedAt).toBeUndefined();
    });

    it('marks a job final with its first final outcome, and keeps that time', async () => {
      const { jobs, read } = table();
      const { projectId, jobId } = freshJob();
      await jobs.record(projectId, jobId, 'queued', {}, T0);
      await jobs.record(projectId, jobId, 'failed', { error: 'Job.Failed' }, at(10));
      expect(await read(projectId, jobId)).toMatchObject({
        outcome: 'failed',
        finishedAt: at(10).toISOString(),
      });
      await jobs.record(projectId, jobId, 'timed-out', {}, at(20));
      expect(await read(projectId, jobId)).toMatchObject({
        outcome: 'timed-out',
        finishedAt: at(10).toISOString(),
      });
    });

    it('records an outcome "if open" only while the job is not final', async () => {
      const { jobs, read } = table();
      const { projectId, jobId } = freshJob();
      await jobs.record(projectId, jobId, 'running', {}, T0);
      expect(await jobs.recordIfOpen(projectId, jobId, 'aborted', { error: 'Operator.Stop' }, at(5))).toBe(
        true,
      );
      expect(await read(projectId, jobId)).toMatchObject({
        outcome: 'aborted',
        error: 'Operator.Stop',
        finishedAt: at(5).toISOString(),
      });
      expect(await jobs.recordIfOpen(projectId, jobId, 'failed', { error: 'Other' }, at(9))).toBe(false);
      expect(await read(projectId, jobId)).toMatchObject({ outcome: 'aborted', error: 'Operator.Stop' });
    });

    it('records "if open" on a job it has never seen', async () => {
      const { jobs, read } = table();
      const { projectId, jobId } = freshJob();
      expect(await jobs.recordIfOpen(projectId, jobId, 'aborted', {}, T0)).toBe(true);
      expect(await read(projectId, jobId)).toMatchObject({
        outcome: 'aborted',
        finishedAt: T0.toISOString(),
      });
    });

    it('annotates a job without touching its outcome', async () => {
      const { jobs, read } = table();
      const { projectId, jobId } = freshJob();
      await jobs.record(projectId, jobId, 'succeeded', {}, T0);
      await jobs.annotate(projectId, jobId, { interruptedBy: 'job-b' }, at(1));
      expect(await read(projectId, jobId)).toMatchObject({
        outcome: 'succeeded',
        interruptedBy: 'job-b',
        finishedAt: T0.toISOString(),
      });
    });

    describe("the worker's side (job-record store)", () => {
      it('marks a job running while it is open, and keeps its first start', async () => {
        const { workers, read } = table();
        const { projectId, jobId } = freshJob();
        await workers.markRunning(projectId, jobId, { workerId: 'worker-1', startedAt: T0.toISOString() });
        expect(await read(projectId, jobId)).toMatchObject({
          outcome: 'running',
          workerId: 'worker-1',
          workerStartedAt: T0.toISOString(),
        });
        expect((await read(projectId, jobId))?.finishedAt).toBeUndefined();
      });

      it('never turns a final job back into a running one, but notes the worker', async () => {
        const { jobs, workers, read } = table();
        const { projectId, jobId } = freshJob();
        await jobs.record(projectId, jobId, 'interrupted', {}, T0);
        await workers.markRunning(projectId, jobId, { workerId: 'worker-2', startedAt: at(5).toISOString() });
        expect(await read(projectId, jobId)).toMatchObject({
          outcome: 'interrupted',
          finishedAt: T0.toISOString(),
          workerId: 'worker-2',
        });
      });

      it('loads the checkpoint and report it saved, and nothing for a job it never saw', async () => {
        const { workers } = table();
        const { projectId, jobId } = freshJob();
        expect(await workers.load(projectId, jobId)).toEqual({});
        await workers.saveProgress(projectId, jobId, progress);
        expect(await workers.load(projectId, jobId)).toEqual({ checkpoint });
        await workers.markReported(projectId, jobId, report);
        expect(await workers.load(projectId, jobId)).toEqual({ checkpoint, report });
      });

      it("writes its fields beside the workflow's without touching the outcome", async () => {
        const { jobs, workers, read } = table();
        const { projectId, jobId } = freshJob();
        await jobs.record(projectId, jobId, 'queued', { sender: 'scott@example.com' }, T0);
        await workers.saveProgress(projectId, jobId, progress);
        await workers.saveDelivery?.(projectId, jobId, {
          branch: 'intake/thread-1',
          pullRequest: { number: 7, url: 'https://forge.example/pr/7' },
        });
        await jobs.record(projectId, jobId, 'succeeded', {}, at(30));
        expect(await read(projectId, jobId)).toMatchObject({
          outcome: 'succeeded',
          sender: 'scott@example.com',
          checkpoint,
          modelUsage: progress.modelUsage,
          branch: 'intake/thread-1',
          pullRequest: { number: 7, url: 'https://forge.example/pr/7' },
          finishedAt: at(30).toISOString(),
        });
      });
    });
  });
}

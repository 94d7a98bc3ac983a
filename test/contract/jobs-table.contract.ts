import { describe, expect, it } from 'vitest';
import type { JobItem } from '#contracts/jobs-table';
import type { JobRecords } from '#workflow/ports';

/** The workflow's side of one jobs table, and a way to read an item as it is stored. */
export interface JobsTableUnderTest {
  jobs: JobRecords;
  read(projectId: string, jobId: string): Promise<Pick<JobItem, 'finishedAt'> | undefined>;
}

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
  });
}

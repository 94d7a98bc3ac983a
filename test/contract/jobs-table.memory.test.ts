import { MemoryJobRecords } from '#test/workflow-fakes';
import { MemoryWorkerJobRecords } from '#test/memory-worker-job-records';
import { describeJobsTableContract } from './jobs-table.contract.ts';

describeJobsTableContract('in-memory fakes', () => {
  const jobs = new MemoryJobRecords();
  return {
    jobs,
    workers: new MemoryWorkerJobRecords(jobs),
    read: async (projectId, jobId) => jobs.items.get(`${projectId}/${jobId}`),
  };
});

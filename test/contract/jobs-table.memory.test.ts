import { MemoryJobRecords } from '../helpers/workflow-fakes.ts';
import { MemoryWorkerJobRecords } from '../helpers/memory-worker-job-records.ts';
import { describeJobsTableContract } from './jobs-table.contract.ts';

describeJobsTableContract('in-memory fakes', () => {
  const jobs = new MemoryJobRecords();
  return {
    jobs,
    workers: new MemoryWorkerJobRecords(jobs),
    read: async (projectId, jobId) => jobs.items.get(`${projectId}/${jobId}`),
  };
});

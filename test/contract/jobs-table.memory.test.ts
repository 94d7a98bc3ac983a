import { MemoryJobRecords } from '#test/workflow-fakes';
import { describeJobsTableContract } from './jobs-table.contract.ts';

describeJobsTableContract('in-memory fake', () => {
  const jobs = new MemoryJobRecords();
  return { jobs, read: async (projectId, jobId) => jobs.items.get(`${projectId}/${jobId}`) };
});

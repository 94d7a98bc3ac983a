import { MemoryWorkerLeaseStore, MemoryLeaseStore, type LeaseItems } from '../helpers/memory-active-jobs.ts';
import { describeActiveJobsTableContract } from './active-jobs-table.contract.ts';

describeActiveJobsTableContract('in-memory fakes', () => {
  const items: LeaseItems = new Map();
  return {
    leases: new MemoryLeaseStore(items),
    workerLeases: new MemoryWorkerLeaseStore(items),
    read: async (leaseId) => {
      const item = items.get(leaseId);
      return item && { ...item };
    },
  };
});

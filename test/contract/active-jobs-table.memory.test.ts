import { MemoryWorkerLeaseStore, MemoryLeaseStore, type LeaseItems } from '#test/memory-active-jobs';
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

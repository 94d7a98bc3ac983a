import { MemoryWorkerLeaseStore, MemorySlotStore, type ActiveJobItems } from '#test/memory-active-jobs';
import { describeActiveJobsTableContract } from './active-jobs-table.contract.ts';

describeActiveJobsTableContract('in-memory fakes', () => {
  const items: ActiveJobItems = new Map();
  return {
    slots: new MemorySlotStore(items),
    workerLeases: new MemoryWorkerLeaseStore(items),
    read: async (slotId) => {
      const item = items.get(slotId);
      return item && { ...item };
    },
  };
});

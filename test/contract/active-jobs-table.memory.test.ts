import { MemoryLeaseStore, MemorySlotStore, type ActiveJobItems } from '#test/memory-active-jobs';
import { describeActiveJobsTableContract } from './active-jobs-table.contract.ts';

describeActiveJobsTableContract('in-memory fakes', () => {
  const items: ActiveJobItems = new Map();
  return {
    slots: new MemorySlotStore(items),
    leases: new MemoryLeaseStore(items),
    read: async (slotId) => {
      const item = items.get(slotId);
      return item && { ...item };
    },
  };
});

import { InMemoryProjectRegistry } from '#domain/in-memory-project-registry.ts';
import {
  MemoryAdmissionWindows,
  MemoryInterruptionLog,
  MemoryLeaseWaiters,
} from '../helpers/workflow-fakes.ts';
import { describeAdmissionWindowsTableContract } from './admission-windows-table.contract.ts';
import { describeInterruptionsTableContract } from './interruptions-table.contract.ts';
import { describeProjectsTableContract } from './projects-table.contract.ts';
import { describeSlotWaitersTableContract } from './slot-waiters-table.contract.ts';

describeInterruptionsTableContract('in-memory fake', () => {
  const log = new MemoryInterruptionLog();
  return { log, read: async ({ pk, sk }) => log.items.get(`${pk}/${sk}`) };
});

describeSlotWaitersTableContract('in-memory fake', () => {
  const waiters = new MemoryLeaseWaiters();
  return { waiters, read: async ({ pk, sk }) => waiters.items.get(`${pk}/${sk}`) };
});

describeAdmissionWindowsTableContract('in-memory fake', () => {
  const windows = new MemoryAdmissionWindows();
  return { windows, read: async (key) => windows.items.get(key) };
});

describeProjectsTableContract('in-memory registry', () => ({
  registry: new InMemoryProjectRegistry(),
  now: new Date(),
}));

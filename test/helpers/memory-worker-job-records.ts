import { FINAL_JOB } from '#contracts/jobs-table.ts';
import type {
  Checkpoint,
  JobDeliveryRecord,
  JobProgress,
  JobRecordStore,
  WorkerRecord,
  WorkerReport,
} from '../../containers/story-processor/src/ports.ts';
import type { MemoryJobRecords } from './workflow-fakes.ts';

type StoredJob = MemoryJobRecords['items'] extends Map<string, infer V> ? V : never;

/**
 * The worker's side of the jobs table over the items of a `MemoryJobRecords`, so that the workflow's
 * and the worker's writes meet on one item as they do on DynamoDB (see `jobs-table.ts`).
 */
export class MemoryWorkerJobRecords implements JobRecordStore {
  constructor(private readonly jobs: MemoryJobRecords) {}

  private set(projectId: string, jobId: string, fields: Record<string, unknown>): void {
    const key = `${projectId}/${jobId}`;
    this.jobs.items.set(key, { ...this.jobs.items.get(key), ...fields } as StoredJob);
  }

  async load(projectId: string, jobId: string): Promise<WorkerRecord> {
    const item = this.jobs.items.get(`${projectId}/${jobId}`) as
      (StoredJob & { checkpoint?: Checkpoint; workerReport?: WorkerReport }) | undefined;
    return structuredClone({
      ...(item?.checkpoint ? { checkpoint: item.checkpoint } : {}),
      ...(item?.workerReport ? { report: item.workerReport } : {}),
    });
  }

  async markRunning(
    projectId: string,
    jobId: string,
    { workerId, startedAt }: { workerId: string; startedAt: string },
  ): Promise<void> {
    const open = !FINAL_JOB.holds(this.jobs.items.get(`${projectId}/${jobId}`));
    this.set(projectId, jobId, {
      ...(open ? { outcome: 'running' } : {}),
      workerId,
      workerStartedAt: startedAt,
    });
  }

  async saveProgress(projectId: string, jobId: string, progress: JobProgress): Promise<void> {
    this.set(projectId, jobId, structuredClone({ ...progress }));
  }

  async markReported(projectId: string, jobId: string, report: WorkerReport): Promise<void> {
    this.set(projectId, jobId, { workerReport: structuredClone(report) });
  }

  async saveDelivery(projectId: string, jobId: string, delivery: JobDeliveryRecord): Promise<void> {
    this.set(projectId, jobId, structuredClone({ ...delivery }));
  }
}

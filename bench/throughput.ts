import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import nodemailer from 'nodemailer';
import type { ProjectInput } from '#domain/project-config.ts';
import { startLocalWorker } from '#local/local-worker.ts';
import { startLocalRuntime } from '#local/runtime.ts';
import { PROCESS_CREDENTIALS } from '../test/helpers/local-runtime.ts';
import { storedKeyOf } from '#local/smtp/smtp-front-door.ts';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import { executionNameOf, MAX_STORED_EMAIL_BYTES } from '#workflow/start-email-execution.ts';
import { median, mib, ms, percentile, printTable, type BenchRow } from './lib/stats.ts';

const WORKER_SLOTS = 8;
const CORES = availableParallelism();

interface Sent {
  jobId: string;
  slot: string;
  sentAt: number;
  doneAt?: number;
  status?: string;
}

/**
 * The whole system under load: emails over real SMTP to many project-users, the real workflow and
 * the real worker (offline model) in one process. Reports throughput, email-to-done latency, peak
 * memory, and checks that nothing was lost and no slot ever ran two jobs at once.
 */
export async function benchThroughput(emails = 200, projectUsers = 50): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'intake-throughput-'));
  const projects: ProjectInput[] = Array.from({ length: projectUsers / 5 }, (_, index) => ({
    id: `p${index}`,
    users: ['u0', 'u1', 'u2', 'u3', 'u4'],
    allowedSenders: ['@example.com'],
  }));
  const runtime = await startLocalRuntime({
    dataDir,
    edgePort: 0,
    smtpPort: 0,
    seedProjects: projects,
    credentials: PROCESS_CREDENTIALS,
    log: () => {},
  });
  const worker = await startLocalWorker(runtime, dataDir, {
    maxConcurrency: WORKER_SLOTS,
    pollers: 4,
    pollWaitSeconds: 1,
    idleMs: 200,
    discoveryIntervalMs: 1_000,
    interruptWaitSeconds: 1,
    logLevel: 'ERROR',
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: runtime.smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 8,
  });
  const sent: Sent[] = [];
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  try {
    await Promise.all(
      Array.from({ length: emails }, async (_, index) => {
        const slotIndex = index % projectUsers;
        const project = `p${Math.floor(slotIndex / 5)}`;
        const user = `u${slotIndex % 5}`;
        const messageId = `bench-${index}-${Date.now()}@example.com`;
        const sentAt = performance.now();
        const info = await transport.sendMail({
          from: `sender${index}@example.com`,
          to: `${project}.${user}@intake.localhost`,
          subject: `Spec ${index}`,
          messageId: `<${messageId}>`,
          text: '1. Add a README\n2. Add a module\n3. Add a test',
        });
        const key = storedKeyOf(info.response);
        if (!key) throw new Error(`the front door named no stored object: ${info.response}`);
        const raw = await new S3BlobStore(runtime.clients.s3).get(
          runtime.config.mailBucket,
          key,
          MAX_STORED_EMAIL_BYTES,
        );
        sent.push({ jobId: executionNameOf(raw), slot: `${project}#${user}`, sentAt });
      }),
    );
    const deadline = Date.now() + 600_000;
    while (sent.some((email) => email.doneAt === undefined) && Date.now() < deadline) {
      // One listing of the ended executions per poll, not a DescribeExecution per email: the bench
      // must not load the system it measures.
      const ended = await endedExecutions(runtime.clients.sfn, runtime.config.stateMachineArn);
      for (const email of sent) {
        const status = email.doneAt === undefined ? ended.get(email.jobId) : undefined;
        if (status) {
          email.doneAt = performance.now();
          email.status = status;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuMsPerEmail = (cpu.user + cpu.system) / 1000 / emails;
    const elapsedSeconds =
      (Math.max(...sent.map((email) => email.doneAt ?? performance.now())) - started) / 1000;
    const latencies = sent.flatMap((email) => (email.doneAt ? [email.doneAt - email.sentAt] : []));
    const overlaps = await doubleClaims(runtime.clients.documents, runtime.config.jobsTable);
    // The floor: the worker time the jobs took, spread perfectly over the worker's slots.
    const floorSeconds =
      (await workerSeconds(runtime.clients.documents, runtime.config.jobsTable)) / WORKER_SLOTS;
    const outcomes = await outcomeCounts(runtime.clients.documents, runtime.config.jobsTable);
    const name = `${emails} emails → ${projectUsers} project-users`;
    return [
      {
        benchmark: name,
        metric: 'emails per second',
        value: (emails / elapsedSeconds).toFixed(2),
        anchor: `worker-time floor ${floorSeconds.toFixed(1)} s on ${WORKER_SLOTS} slots → ${(emails / floorSeconds).toFixed(1)}/s; target ≥ 15/s`,
        ratio: `${(elapsedSeconds / floorSeconds).toFixed(1)}× the floor (${elapsedSeconds.toFixed(1)} s)`,
      },
      { benchmark: name, metric: 'email → done median', value: ms(median(latencies)) },
      {
        benchmark: name,
        metric: 'email → done p95',
        value: ms(percentile(latencies, 95)),
        anchor: 'target ≤ 10 s',
        ratio: `${(percentile(latencies, 95) / 10_000).toFixed(1)}× the target`,
      },
      {
        benchmark: name,
        metric: 'CPU per email (this process: runtime, worker, SMTP client; not git)',
        value: `${cpuMsPerEmail.toFixed(0)} ms`,
        anchor: `15/s on ${CORES} cores allows ${((CORES * 1000) / 15).toFixed(0)} ms for everything`,
        ratio: `${(cpuMsPerEmail / ((CORES * 1000) / 15)).toFixed(1)}× that`,
      },
      { benchmark: name, metric: 'peak RSS (runtime + worker)', value: mib(peakRss) },
      { benchmark: name, metric: 'finished / sent', value: `${latencies.length} / ${emails}` },
      { benchmark: name, metric: 'outcomes', value: outcomes },
      { benchmark: name, metric: 'overlapping jobs in a slot', value: String(overlaps) },
    ];
  } finally {
    clearInterval(sampler);
    transport.close();
    await worker.stop();
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** How often the bench looks for ended executions: a finish time is known to within this. */
const POLL_MS = 250;

/** Execution name → status, for every execution of the state machine that has ended. */
async function endedExecutions(sfn: SFNClient, stateMachineArn: string): Promise<Map<string, string>> {
  const ended = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    for (const execution of page.executions ?? [])
      if (execution.name && execution.status && execution.status !== 'RUNNING')
        ended.set(execution.name, execution.status);
    nextToken = page.nextToken;
  } while (nextToken);
  return ended;
}

interface JobRow {
  pk: string;
  userId?: string;
  outcome?: string;
  workerStartedAt?: string;
  finishedAt?: string;
}

async function scanJobs(documents: Parameters<typeof doubleClaims>[0], table: string): Promise<JobRow[]> {
  const rows: JobRow[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    rows.push(...((page.Items ?? []) as JobRow[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows;
}

/** Worker time: the sum over jobs of worker start → final outcome. */
async function workerSeconds(
  documents: Awaited<ReturnType<typeof startLocalRuntime>>['clients']['documents'],
  table: string,
): Promise<number> {
  let total = 0;
  for (const row of await scanJobs(documents, table)) {
    if (row.workerStartedAt && row.finishedAt)
      total += Date.parse(row.finishedAt) - Date.parse(row.workerStartedAt);
  }
  return total / 1000;
}

/** Jobs of one slot whose run (worker start → final outcome) overlapped another's. */
async function doubleClaims(
  documents: Awaited<ReturnType<typeof startLocalRuntime>>['clients']['documents'],
  table: string,
): Promise<number> {
  const bySlot = new Map<string, [number, number][]>();
  for (const row of await scanJobs(documents, table)) {
    if (!row.workerStartedAt || !row.finishedAt) continue;
    const slot = `${row.pk}#${row.userId ?? ''}`;
    const runs = bySlot.get(slot) ?? [];
    runs.push([Date.parse(row.workerStartedAt), Date.parse(row.finishedAt)]);
    bySlot.set(slot, runs);
  }
  let overlaps = 0;
  for (const runs of bySlot.values()) {
    runs.sort((a, b) => a[0] - b[0]);
    for (let index = 1; index < runs.length; index++) {
      if ((runs[index]?.[0] ?? 0) < (runs[index - 1]?.[1] ?? 0)) overlaps++;
    }
  }
  return overlaps;
}

async function outcomeCounts(
  documents: Awaited<ReturnType<typeof startLocalRuntime>>['clients']['documents'],
  table: string,
): Promise<string> {
  const counts = new Map<string, number>();
  for (const row of await scanJobs(documents, table)) {
    counts.set(row.outcome ?? 'none', (counts.get(row.outcome ?? 'none') ?? 0) + 1);
  }
  return [...counts.entries()].map(([outcome, count]) => `${outcome} ${count}`).join(', ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchThroughput(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 50)));
}

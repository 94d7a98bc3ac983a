/**
 * Lambda bundle benchmark: bundles each handler with esbuild exactly as CDK's NodejsFunction does
 * (lib/bundling.ts), prints each bundle's size, and measures a local stand-in for a cold start: the
 * time for a fresh `node` process to import the bundle and serve one event, with every AWS client
 * pointed (AWS_ENDPOINT_URL) at a loopback stub that answers each request with an empty 200.
 *
 *   npx tsx bench/bundles.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { bundleTargetKiB, esbuildOptionsLikeCdk } from '../lib/bundling.ts';
import { NOT_CLAIMED, type ClaimResult } from '../lambdas/shared/contracts/workflow-state.ts';
import { admittedState, TEST_SETTINGS } from '../test/helpers/workflow-states.ts';

import { HANDLER_NAMES, handlerEntry, type HandlerName } from '../lib/handlers.ts';

export interface BundleFigures {
  handler: HandlerName;
  bytes: number;
  gzipBytes: number;
  /** Fresh process: spawn → bundle imported. */
  importMs: number;
  /** Fresh process: spawn → first event served (resolved or rejected). */
  firstEventMs: number;
  /** How the first event ended: 'ok' or the error name. */
  outcome: string;
}

/** One representative event per handler (shapes only; the stub answers every AWS call). */
const QUEUE = 'http://127.0.0.1:9/000000000000/bench';
const busyClaim: ClaimResult = {
  ...NOT_CLAIMED,
  holder: {
    jobId: 'other-job',
    interruptQueueUrl: `${QUEUE}-interrupt.fifo`,
    expiresAtIso: '2026-01-01T00:00:00Z',
  },
};
const admitted = admittedState('bench-job');
const heldClaim: ClaimResult = {
  claimed: true,
  holder: null,
  job: {
    jobId: admitted.jobId,
    executionArn: admitted.executionArn,
    threadId: admitted.email?.threadId ?? '',
    projectId: 'amelia',
    userId: 'scott',
    messageId: admitted.email?.messageId ?? '',
    bucket: admitted.bucket,
    emailKey: admitted.key,
    instructionKey: admitted.email?.instructionKey ?? '',
    attachments: [],
    sender: 'scott@example.com',
    subject: 'bench',
    replyFrom: admitted.email?.replyFrom ?? '',
    inputQueueUrl: `${QUEUE}-input.fifo`,
    deadLetterQueueUrl: `${QUEUE}-dlq.fifo`,
    interruptQueueUrl: `${QUEUE}-interrupt.fifo`,
    settings: TEST_SETTINGS,
  },
  messageGroupId: 'amelia.scott',
  slotId: 'amelia#scott',
  queueWaitSeconds: 900,
  heartbeatSeconds: 30,
  timeoutSeconds: 600,
};

const EVENTS: Record<HandlerName, unknown> = {
  intake: {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'bench-mail' }, object: { key: 'emails/bench-message-id', size: 1 } },
      },
    ],
  },
  'parse-email': {
    bucket: 'bench-mail',
    key: 'emails/bench-message-id',
    jobId: 'bench-job',
    executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:bench',
  },
  'claim-job': { mode: 'try', state: admittedState('bench-job') },
  'record-interruption': { state: { ...admittedState('bench-job'), claim: busyClaim } },
  'finish-job': { outcome: 'succeeded', state: { ...admittedState('bench-job'), claim: heldClaim } },
  'queue-backlog': {},
  'record-execution-end': {
    detail: { executionArn: admitted.executionArn, name: 'bench-job', status: 'ABORTED' },
  },
  'handle-timeout': {
    state: { ...admittedState('bench-job'), claim: heldClaim, error: { Error: 'States.HeartbeatTimeout' } },
  },
};

const ENVIRONMENT = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  MAIL_BUCKET: 'bench-mail',
  JOBS_TABLE: 'bench-jobs',
  ACTIVE_JOBS_TABLE: 'bench-active-jobs',
  INTERRUPTIONS_TABLE: 'bench-interruptions',
  PROJECTS_TABLE: 'bench-projects',
  SLOT_WAITERS_TABLE: 'bench-slot-waiters',
  QUEUE_PREFIX: 'bench',
  MAIL_DOMAIN: 'bench.example.com',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:bench',
  POWERTOOLS_SERVICE_NAME: 'intake',
  POWERTOOLS_METRICS_NAMESPACE: 'Intake',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_DEV: 'false',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_MAX_ATTEMPTS: '1',
};

/** A loopback stand-in for every AWS endpoint: 200 with an empty body of the right content type. */
const startStub = (): Promise<{ server: Server; url: string }> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const json = String(request.headers['content-type'] ?? '').includes('json');
        response.writeHead(200, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
        response.end(json ? '{}' : '<Response/>');
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });

const PROBE = `
const started = Number(process.env.BENCH_SPAWNED_AT);
const mod = await import(process.env.BENCH_BUNDLE);
const imported = Date.now();
let outcome = 'ok';
try { await mod.handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 30000 }); }
catch (error) { outcome = (error && error.name) || 'Error'; }
const served = Date.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, firstEventMs: served - started, outcome }));
`;

const coldStart = (
  bundle: string,
  event: unknown,
  endpoint: string,
): Promise<Pick<BundleFigures, 'importMs' | 'firstEventMs' | 'outcome'>> =>
  new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', PROBE], {
      env: {
        PATH: process.env.PATH ?? '',
        ...ENVIRONMENT,
        AWS_ENDPOINT_URL: endpoint,
        BENCH_BUNDLE: pathToFileURL(bundle).href,
        BENCH_EVENT: JSON.stringify(event),
        BENCH_SPAWNED_AT: String(spawnedAt),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Pick<BundleFigures, 'importMs' | 'firstEventMs' | 'outcome'>);
      } catch {
        reject(new Error(`probe failed for ${bundle}: ${err.slice(0, 500)}`));
      }
    });
  });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Bundles every handler and measures it; `runs` fresh processes per handler (median reported). */
export const benchBundles = async (
  options: { lambdaRoot?: string; runs?: number; print?: boolean } = {},
): Promise<BundleFigures[]> => {
  const lambdaRoot = options.lambdaRoot ?? 'lambdas';
  const runs = options.runs ?? 3;
  const outdir = mkdtempSync(path.join(tmpdir(), 'intake-bundles-'));
  const { server, url } = await startStub();
  const figures: BundleFigures[] = [];
  try {
    for (const handler of HANDLER_NAMES) {
      const outfile = path.join(outdir, handler, 'index.mjs');
      await build(esbuildOptionsLikeCdk(handlerEntry(lambdaRoot, handler), outfile));
      const bytes = statSync(outfile).size;
      const gzipBytes = gzipSync(readFileSync(outfile)).length;
      const samples = [];
      for (let run = 0; run < runs; run += 1) samples.push(await coldStart(outfile, EVENTS[handler], url));
      figures.push({
        handler,
        bytes,
        gzipBytes,
        importMs: median(samples.map((s) => s.importMs)),
        firstEventMs: median(samples.map((s) => s.firstEventMs)),
        outcome: samples[samples.length - 1]?.outcome ?? 'unknown',
      });
    }
  } finally {
    server.close();
  }
  if (options.print ?? true) {
    console.log(
      'Lambda bundles (esbuild, minified ESM, as NodejsFunction builds them); cold start = fresh node process, median of',
      runs,
    );
    console.table(
      figures.map((f) => ({
        handler: f.handler,
        'size KiB': (f.bytes / 1024).toFixed(0),
        'target KiB': bundleTargetKiB(f.handler),
        'size/target': (f.bytes / 1024 / bundleTargetKiB(f.handler)).toFixed(2),
        'gzip KiB': (f.gzipBytes / 1024).toFixed(0),
        'import ms': f.importMs,
        'first event ms': f.firstEventMs,
        'first event': f.outcome,
      })),
    );
  }
  return figures;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchBundles();
}

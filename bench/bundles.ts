/**
 * Lambda bundle benchmark: bundles each handler with lib/bundling.ts (the build the CDK app deploys),
 * prints each bundle's size, and measures a local stand-in for a cold start: the time for a fresh
 * `node` process to import the bundle and serve one event, with every AWS client pointed
 * (AWS_ENDPOINT_URL) at a loopback stub that answers each request with an empty 200. The anchor is a
 * bare fresh `node` process on the same machine, which no bundle can beat. For comparison it also
 * measures the other way to ship the SDK: left out of the bundle and loaded from `node_modules`, as
 * with the SDK the Lambda runtime provides (`NodejsFunction`'s default).
 *
 *   npx tsx bench/bundles.ts                 # build and measure both ways
 *   npx tsx bench/bundles.ts dist/lambdas    # measure bundles built elsewhere (e.g. another commit's)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleLambda, bundleTargetKiB, type LambdaBuildChoices } from '../lib/bundling.ts';
import { newInputQueueNoticesName } from '#contracts/identifiers.ts';
import { ENV } from '#shared/config.ts';
import { NOT_CLAIMED, type ClaimResult } from '#contracts/workflow-state.ts';
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
  /** How the first event ended: 'ok' or the error's name and message. */
  outcome: string;
}

/** One representative event per handler (shapes only; the stub answers every AWS call). */
/** Queue URLs in the events name this placeholder host; each probe puts the stub's address there. */
const STUB_HOST = 'http://stub.invalid';
const QUEUE = `${STUB_HOST}/000000000000/bench`;
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

/** Every variable of shared/config.ts (so no first event fails on configuration), and more. */
const ENVIRONMENT = {
  ...Object.fromEntries(Object.values(ENV).map((variable) => [variable, `bench-${variable.toLowerCase()}`])),
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  QUEUE_PREFIX: 'bench',
  MAIL_DOMAIN: 'bench.example.com',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:bench',
  QUEUE_KMS_KEY_ID: '',
  POWERTOOLS_SERVICE_NAME: 'intake',
  POWERTOOLS_METRICS_NAMESPACE: 'Intake',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_DEV: 'false',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_MAX_ATTEMPTS: '1',
};

/** What the SQS calls the handlers make need to see to go on; every other JSON call gets `{}`. */
const sqsAnswer = (target: string, body: string, stub: string): object => {
  const input = JSON.parse(body || '{}') as { QueueName?: string; QueueUrl?: string; MessageBody?: string };
  const name = input.QueueName ?? input.QueueUrl?.split('/').pop() ?? 'bench';
  if (target.endsWith('.CreateQueue')) return { QueueUrl: `${stub}/000000000000/${name}` };
  // The stack's notices queue exists; the project-user queues are created on first use.
  if (target.endsWith('.GetQueueUrl') && name === newInputQueueNoticesName('bench'))
    return { QueueUrl: `${stub}/000000000000/${name}` };
  if (target.endsWith('.GetQueueAttributes'))
    return { Attributes: { QueueArn: `arn:aws:sqs:eu-west-1:000000000000:${name}` } };
  if (target.endsWith('.SendMessage'))
    return {
      MessageId: 'bench',
      MD5OfMessageBody: createHash('md5')
        .update(input.MessageBody ?? '')
        .digest('hex'),
    };
  return {};
};

/** A loopback stand-in for every AWS endpoint: 200 with an empty body of the right content type. */
const startStub = (): Promise<{ server: Server; url: string }> =>
  new Promise((resolve) => {
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const json = String(request.headers['content-type'] ?? '').includes('json');
        response.writeHead(200, { 'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml' });
        if (!json) return response.end('<Response/>');
        response.end(
          JSON.stringify(
            sqsAnswer(String(request.headers['x-amz-target'] ?? ''), body, `http://${request.headers.host}`),
          ),
        );
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
const mod = process.env.BENCH_BUNDLE ? await import(process.env.BENCH_BUNDLE) : undefined;
const imported = Date.now();
let outcome = 'ok';
try { await mod?.handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 30000 }); }
catch (error) { outcome = ((error && error.name) || 'Error') + ': ' + String(error && error.message).slice(0, 160); }
const served = Date.now();
process.stdout.write(JSON.stringify({ importMs: imported - started, firstEventMs: served - started, outcome }));
`;

type ColdStart = Pick<BundleFigures, 'importMs' | 'firstEventMs' | 'outcome'>;

/** One fresh process (as Lambda starts it: source maps on); no bundle measures a bare `node`. */
const coldStart = (bundle: string | undefined, event: unknown, endpoint: string): Promise<ColdStart> =>
  new Promise((resolve, reject) => {
    const spawnedAt = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', PROBE], {
      env: {
        PATH: process.env.PATH ?? '',
        ...ENVIRONMENT,
        AWS_ENDPOINT_URL: endpoint,
        BENCH_BUNDLE: bundle ? pathToFileURL(bundle).href : '',
        BENCH_EVENT: JSON.stringify(event ?? null).replaceAll(STUB_HOST, endpoint),
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
        resolve(JSON.parse(line) as ColdStart);
      } catch {
        reject(new Error(`probe failed for ${bundle ?? 'bare node'}: ${err.slice(0, 500)}`));
      }
    });
  });

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const medianColdStart = async (
  runs: number,
  bundle: string | undefined,
  event: unknown,
  endpoint: string,
): Promise<ColdStart> => {
  const samples: ColdStart[] = [];
  for (let run = 0; run < runs; run += 1) samples.push(await coldStart(bundle, event, endpoint));
  return {
    importMs: median(samples.map((s) => s.importMs)),
    firstEventMs: median(samples.map((s) => s.firstEventMs)),
    outcome: samples[samples.length - 1]?.outcome ?? 'unknown',
  };
};

/** The SDK bundled (what the CDK app deploys) or loaded from `node_modules` like the runtime's. */
export type SdkPlacement = 'bundled' | 'from-runtime';

export interface BundleBench {
  /** A fresh `node` process that imports nothing: the floor of every cold start here. */
  bareNode: ColdStart;
  figures: BundleFigures[];
}

/**
 * Bundles every handler and measures it; `runs` fresh processes per handler (median reported).
 * With `sdk: 'from-runtime'` the bundles are written under `node_modules/.cache` so that Node
 * resolves the SDK from the project's `node_modules`, as Lambda resolves the runtime's copy.
 */
export const benchBundles = async (
  options: {
    lambdaRoot?: string;
    runs?: number;
    print?: boolean;
    sdk?: SdkPlacement;
    /** Measure bundles already built as `<dir>/<handler>/index.mjs` (e.g. `dist/lambdas`) instead. */
    prebuilt?: string;
  } = {},
): Promise<BundleBench> => {
  const lambdaRoot = options.lambdaRoot ?? 'lambdas';
  const runs = options.runs ?? 3;
  const sdk = options.sdk ?? 'bundled';
  const choices: LambdaBuildChoices = { sdkFromRuntime: sdk === 'from-runtime' };
  const parent = sdk === 'from-runtime' ? path.join('node_modules', '.cache') : tmpdir();
  mkdirSync(parent, { recursive: true });
  const outdir = mkdtempSync(path.join(parent, 'intake-bundles-'));
  const { server, url } = await startStub();
  const figures: BundleFigures[] = [];
  let bareNode: ColdStart;
  try {
    bareNode = await medianColdStart(runs, undefined, undefined, url);
    for (const handler of HANDLER_NAMES) {
      const outfile = path.join(options.prebuilt ?? outdir, handler, 'index.mjs');
      if (!options.prebuilt) await bundleLambda(handlerEntry(lambdaRoot, handler), outfile, choices);
      const bytes = statSync(outfile).size;
      const gzipBytes = gzipSync(readFileSync(outfile)).length;
      figures.push({
        handler,
        bytes,
        gzipBytes,
        ...(await medianColdStart(runs, outfile, EVENTS[handler], url)),
      });
    }
  } finally {
    server.close();
    rmSync(outdir, { recursive: true, force: true });
  }
  if (options.print ?? true) {
    console.log(
      `Lambda bundles ${options.prebuilt ? `in ${options.prebuilt}` : `, SDK ${sdk}`}; cold start = fresh node process (bare node: ${bareNode.firstEventMs} ms), median of`,
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
        'over bare node ms': f.firstEventMs - bareNode.firstEventMs,
        'first event': f.outcome,
      })),
    );
  }
  return { bareNode, figures };
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const prebuilt = process.argv[2];
  if (prebuilt) await benchBundles({ prebuilt, runs: 5 });
  else {
    await benchBundles({ runs: 5 });
    await benchBundles({ sdk: 'from-runtime', runs: 5 });
  }
}

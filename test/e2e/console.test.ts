import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startConsole } from '#local/console/index.ts';
import { AMELIA } from '../helpers/local-runtime.ts';
import { DynamoDbWorkerJobRecords } from '../../containers/story-processor/src/adapters/dynamodb-worker-job-records.ts';
import { HOSTILE_SUBJECT, startConsoleFixture, type ConsoleFixture } from './console/fixture.ts';
import { HAPPY_PATH } from '../helpers/workflow-states.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url);
const SUCCEEDED_PATH = HAPPY_PATH;

let fixture: ConsoleFixture;
let succeeded: { jobId: string; executionArn: string };
let failed: { jobId: string; executionArn: string };

beforeAll(async () => {
  fixture = await startConsoleFixture();
  const first = await fixture.startJob(HOSTILE_SUBJECT);
  await fixture.worker.succeed(first.job, { stories: 2, commits: ['abc123', 'def456'] });
  expect(await fixture.finished(first.executionArn)).toBe('SUCCEEDED');
  succeeded = first;

  const second = await fixture.startJob('A spec that fails');
  await fixture.worker.fail(second.job, 'Job.Failed', 'validate failed three times on story 2 of 3');
  expect(await fixture.finished(second.executionArn)).toBe('FAILED');
  failed = second;
}, 90_000);

afterAll(async () => fixture?.dispose());

const api = async <T>(path: string, init?: { headers?: Record<string, string> }) => {
  const response = await fetch(new URL(path, fixture.console.url), init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
};

interface ExecutionsPage {
  executions: { name: string; status: string; executionArn: string }[];
  nextToken?: string;
}

describe('console JSON endpoints', () => {
  it('lists executions newest first, filters by status and pages with nextToken', async () => {
    const all = await api<ExecutionsPage>('/api/executions');
    expect(all.body.executions.map((e) => e.name)).toEqual([failed.jobId, succeeded.jobId]);

    const onlyFailed = await api<ExecutionsPage>('/api/executions?status=FAILED');
    expect(onlyFailed.body.executions.map((e) => e.name)).toEqual([failed.jobId]);

    const firstPage = await api<ExecutionsPage>('/api/executions?maxResults=1');
    expect(firstPage.body.executions).toHaveLength(1);
    const token = encodeURIComponent(firstPage.body.nextToken ?? '');
    const secondPage = await api<ExecutionsPage>(`/api/executions?maxResults=1&nextToken=${token}`);
    expect(secondPage.body.executions.map((e) => e.name)).toEqual([succeeded.jobId]);

    expect((await api('/api/executions?status=BOGUS')).status).toBe(400);
  });

  it('describes an execution with its whole history and the path it took', async () => {
    const { body } = await api<{
      execution: { status: string; error?: string; cause?: string };
      events: { id: number; type: string }[];
      path: { visits: { name: string; status: string }[] };
    }>(`/api/execution?arn=${encodeURIComponent(failed.executionArn)}`);
    expect(body.execution).toMatchObject({ status: 'FAILED', error: 'Job.Failed' });
    expect(body.events.map((e) => e.type)).toEqual(
      (await fixture.history(failed.executionArn)).map((e) => e.type),
    );
    expect(body.path.visits.map((v) => [v.name, v.status])).toEqual([
      ['ParseEmail', 'succeeded'],
      ['Admitted?', 'succeeded'],
      ['ClaimJob', 'succeeded'],
      ['LeaseFree?', 'succeeded'],
      ['QueueJob', 'succeeded'],
      ['RunJob', 'caught'],
      ['RecordJobFailure', 'succeeded'],
      ['JobFailed', 'failed'],
    ]);
    const missing = fixture.runtime.executionArnOf('no-such-execution');
    expect((await api(`/api/execution?arn=${encodeURIComponent(missing)}`)).status).toBe(404);
  });

  it('lays out every state of the definition, with catch edges marked', async () => {
    const { body } = await api<{
      graph: { nodes: { id: string }[]; edges: { from: string; to: string; kind: string }[] };
    }>('/api/state-machine');
    const ids = body.graph.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining([...SUCCEEDED_PATH, 'RecordJobFailure', 'JobFailed']));
    expect(body.graph.edges).toContainEqual(
      expect.objectContaining({ from: 'RunJob', to: 'RecordJobFailure', kind: 'catch' }),
    );
  });

  it('reads jobs, leases, interruptions, queue depths and the outbox', async () => {
    const jobs = await api<{ jobs: { sk: string; outcome: string; subject: string }[] }>('/api/jobs');
    expect(jobs.body.jobs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sk: succeeded.jobId, outcome: 'succeeded', subject: HOSTILE_SUBJECT }),
        expect.objectContaining({ sk: failed.jobId, outcome: 'failed' }),
      ]),
    );
    expect((await api<{ activeJobs: unknown[] }>('/api/active-jobs')).body.activeJobs).toEqual([]);
    expect((await api<{ interruptions: unknown[] }>('/api/interruptions')).body.interruptions).toEqual([]);

    const queues = await api<{ queues: { kind: string; slot: string; visible: number; inFlight: number }[] }>(
      '/api/queues',
    );
    expect(queues.body.queues.map((q) => q.kind).sort()).toEqual(['dlq', 'input', 'interrupt']);
    expect(queues.body.queues.every((q) => q.slot === 'amelia-scott' && q.visible === 0)).toBe(true);

    const outbox = await api<{ messages: { id: string; subject: string }[] }>('/api/outbox');
    expect(outbox.body.messages.length).toBeGreaterThan(0);
    const first = outbox.body.messages[0];
    const message = await api<{ entry: { id: string }; text: string }>(
      `/api/outbox/message?id=${encodeURIComponent(first?.id ?? '')}`,
    );
    expect(message.body.entry.id).toBe(first?.id);
    expect(typeof message.body.text).toBe('string');
    expect((await api('/api/outbox/message?id=nope')).status).toBe(404);
  });

  it('serves the page with a strict content security policy and refuses foreign hosts', async () => {
    const page = await fetch(fixture.console.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(new URL('/../package.json', fixture.console.url))).status).toBe(404);
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(
        new URL('/api/executions', fixture.console.url),
        { headers: { Host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
  });

  it('streams execution changes as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL('/api/events', fixture.console.url), { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no event stream');
    const decoder = new TextDecoder();
    let received = '';
    // An email from an unknown sender is rejected without a worker: a whole execution to watch.
    const { jobId } = await fixture.runtime.putEmail({ from: 'stranger@example.org', subject: 'hello' });
    while (!received.includes(`:${jobId}","status":"SUCCEEDED"`)) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(received).toContain('event: execution');
    expect(received).toContain(`"eventType":"ChoiceStateEntered"`);
    await fixture.finished(fixture.runtime.executionArnOf(jobId));
  });
});

describe('console live updates without the in-process service', () => {
  it('polls the Step Functions API and streams what changed', async () => {
    const polling = await startConsole({
      port: 0,
      clients: fixture.runtime.clients,
      config: fixture.runtime.config,
      dataDir: fixture.runtime.dataDir,
      pollIntervalMs: 100,
    });
    const controller = new AbortController();
    try {
      const response = await fetch(new URL('/api/events', polling.url), { signal: controller.signal });
      const reader = response.body?.getReader();
      if (!reader) throw new Error('no event stream');
      // Let the first poll see what exists, so the new execution is a change.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const { jobId } = await fixture.runtime.putEmail({ from: 'nobody@example.org', subject: 'polled' });
      const decoder = new TextDecoder();
      let received = '';
      while (!received.includes(`:${jobId}","status":"SUCCEEDED"`)) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
      expect(received).toContain(`:${jobId}","status":"SUCCEEDED"`);
    } finally {
      controller.abort();
      await polling.stop();
    }
  });
});

describe.skipIf(!existsSync(CHROMIUM))('console in a browser (Debian chromium)', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    expect(pageErrors).toEqual([]);
  });

  const nodeStatus = (state: string) =>
    page.locator(`svg.state-graph g.node[data-state="${state}"]`).getAttribute('data-status');

  it('finds the executions in the list and through the status filter', async () => {
    await page.goto(fixture.console.url);
    const names = page.locator('table.data-table td.name');
    await expect
      .poll(() => names.allTextContents())
      .toEqual(expect.arrayContaining([succeeded.jobId, failed.jobId]));

    await page.getByRole('link', { name: 'Failed', exact: true }).click();
    await expect.poll(() => page.url()).toContain('status=FAILED');
    await expect.poll(() => names.allTextContents()).toEqual([failed.jobId]);
    await page.getByRole('link', { name: 'Succeeded', exact: true }).click();
    await expect.poll(() => names.allTextContents()).toContain(succeeded.jobId);
    expect(await names.allTextContents()).not.toContain(failed.jobId);
  });

  it('opens an execution: the graph shows the path taken and the history matches GetExecutionHistory', async () => {
    await page.getByRole('link', { name: succeeded.jobId }).click();
    await page.locator('svg.state-graph').waitFor();

    for (const state of SUCCEEDED_PATH) expect(await nodeStatus(state)).toBe('succeeded');
    for (const state of [
      'RecordNotAccepted',
      'SendInterrupt',
      'WaitForLease',
      'RecordJobFailure',
      'JobFailed',
    ]) {
      expect(await nodeStatus(state)).toBe('none');
    }
    expect(await page.locator('g.edge.taken[data-from="RunJob"][data-to="ReleaseJob"]').count()).toBe(1);

    const history = await fixture.history(succeeded.executionArn);
    const rows = page.locator('table.events-table tbody tr');
    expect(await rows.count()).toBe(history.length);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((tr) => ({
        id: Number(tr.getAttribute('data-event-id')),
        type: tr.getAttribute('data-event-type'),
      })),
    );
    expect(shown).toEqual(history.map((event) => ({ id: event.id, type: event.type })));

    await page.locator('g.node[data-state="ParseEmail"]').click();
    const step = page.locator('section.step-details[data-state="ParseEmail"]');
    await step.waitFor();
    expect(await step.locator('pre.step-input').textContent()).toContain('"bucket"');
    expect(await step.locator('pre.step-output').textContent()).toContain('"admission"');

    await page.screenshot({ path: new URL('console-execution.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('marks the caught error and the failed state of a failed execution', async () => {
    await page.goto(`${fixture.console.url}#/execution/${encodeURIComponent(failed.executionArn)}`);
    await page.locator('svg.state-graph').waitFor();
    expect(await nodeStatus('RunJob')).toBe('caught');
    expect(await nodeStatus('RecordJobFailure')).toBe('succeeded');
    expect(await nodeStatus('JobFailed')).toBe('failed');
    expect(await nodeStatus('ReleaseJob')).toBe('none');
    expect(await page.locator('.alert-error').first().textContent()).toContain('Job.Failed');
    await page.screenshot({
      path: new URL('console-execution-failed.png', ARTIFACTS).pathname,
      fullPage: true,
    });
    await page
      .locator('.execution-grid')
      .screenshot({ path: new URL('console-execution-failed-graph.png', ARTIFACTS).pathname });
  });

  it('updates a running execution by itself', async () => {
    const running = await fixture.startJob('Watch me live');
    await page.goto(`${fixture.console.url}#/execution/${encodeURIComponent(running.executionArn)}`);
    await expect.poll(() => nodeStatus('RunJob')).toBe('running');
    expect(await nodeStatus('ReleaseJob')).toBe('none');

    await fixture.worker.succeed(running.job);
    await expect.poll(() => nodeStatus('ReleaseJob'), { timeout: 10_000 }).toBe('succeeded');
    await expect.poll(() => page.locator('.page-header .badge').textContent()).toBe('Succeeded');
  });

  it("shows each job's branch and pull request, and the project, sender and subject of each execution", async () => {
    // Written by the worker's own jobs-table adapter, as a job with a repository records it.
    const records = new DynamoDbWorkerJobRecords(
      fixture.runtime.clients.documents,
      fixture.runtime.config.jobsTable,
    );
    const pullUrl = 'http://127.0.0.1:4571/amelia/demo/pull/7';
    await records.saveDelivery?.(AMELIA.id, succeeded.jobId, {
      branch: 'intake/t0123456789abcdef0123456',
      repositoryUrl: 'http://127.0.0.1:4571/git/amelia/demo.git',
      pullRequest: { number: 7, url: pullUrl },
    });
    await page.goto(`${fixture.console.url}#/jobs`);
    const link = page.locator('a.pull-request');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(pullUrl);
    expect(await link.textContent()).toBe('#7');
    expect(await page.locator('code.branch').first().textContent()).toBe('intake/t0123456789abcdef0123456');

    await page.goto(fixture.console.url);
    const row = page.locator('table.data-table tr', {
      has: page.locator('td.name', { hasText: failed.jobId }),
    });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells).toEqual(expect.arrayContaining([AMELIA.id, 'A spec that fails']));
    expect(cells.some((cell) => cell.includes('@'))).toBe(true);
  });

  it('renders a hostile subject as text', async () => {
    await page.goto(`${fixture.console.url}#/jobs`);
    const cell = page.locator('td', { hasText: '<script>' }).first();
    await cell.waitFor();
    expect(await cell.textContent()).toBe(HOSTILE_SUBJECT);
    expect(await page.locator('#view script, #view img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    await page.goto(`${fixture.console.url}#/outbox`);
    await page.getByRole('link', { name: `Re: ${HOSTILE_SUBJECT}` }).click();
    const subject = page.locator('h1.message-subject');
    await subject.waitFor();
    expect(await subject.textContent()).toBe(`Re: ${HOSTILE_SUBJECT}`);
    expect(await page.locator('pre.message-body').textContent()).toContain('<b>2 stories</b>');
    expect(await page.locator('#view script, #view img, #view b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: new URL('console-outbox-message.png', ARTIFACTS).pathname });
  });
});

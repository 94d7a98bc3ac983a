import { card, executionLink, formatTime, getJson, h, outcomeBadge, table } from '../dom.js';
import { debounce } from '../live.js';

/** A page that loads one endpoint and renders it; reloads on live changes when `live` is set. */
function simpleView(title, subtitle, path, render, { live = true } = {}) {
  const body = h('div');
  const element = h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-header' },
      h('h1', { text: title }),
      h('span', { class: 'subtle', text: subtitle }),
    ),
    body,
  );
  const load = async () => body.replaceChildren(...[render(await getJson(path))].flat());
  const reload = debounce(() => void load().catch(() => undefined), 500);
  return { element, load, onChange: live ? reload : undefined };
}

const jobLink = (job) => (job.executionArn ? executionLink(job.executionArn, job.sk) : job.sk);

export function jobsView() {
  return simpleView(
    'Jobs',
    'Every email and its outcome, per project (jobs table)',
    '/api/jobs',
    ({ jobs }) => {
      const byProject = new Map();
      for (const job of jobs) {
        const list = byProject.get(job.pk) ?? [];
        list.push(job);
        byProject.set(job.pk, list);
      }
      if (byProject.size === 0) return card(null, h('p', { class: 'empty', text: 'No jobs yet.' }));
      return [...byProject.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([project, list]) => {
          list.sort((a, b) => String(b.createdAt ?? '').localeCompare(String(a.createdAt ?? '')));
          return card(
            `${project} (${list.length})`,
            h(
              'div',
              { class: 'table-wrap' },
              table(
                [
                  { title: 'Job', class: 'name', cell: jobLink },
                  { title: 'Outcome', cell: (j) => outcomeBadge(j.outcome) },
                  { title: 'Subject', class: 'wrap', cell: (j) => j.subject },
                  { title: 'Sender', cell: (j) => j.sender },
                  { title: 'User', cell: (j) => j.userId },
                  { title: 'Reason / error', class: 'wrap', cell: (j) => reasonOf(j) },
                  {
                    title: 'Branch',
                    class: 'nowrap',
                    cell: (j) => (j.branch ? h('code', { class: 'branch', text: j.branch }) : null),
                  },
                  { title: 'Pull request', class: 'nowrap', cell: pullRequestLink },
                  { title: 'Summary', class: 'wrap', cell: (j) => summaryOf(j.summary) },
                  { title: 'Model cost', class: 'nowrap', cell: (j) => costOf(j.modelUsage) },
                  { title: 'Created', class: 'nowrap', cell: (j) => formatTime(j.createdAt) },
                  { title: 'Finished', class: 'nowrap', cell: (j) => formatTime(j.finishedAt) },
                ],
                list,
              ),
            ),
          );
        });
    },
  );
}

/** The worker's estimate of the job's model cost and its tokens (jobs-table field `modelUsage`). */
function costOf(usage) {
  if (!usage || typeof usage.costUsd !== 'number') return null;
  const tokens = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens']
    .map((name) => Number(usage[name] ?? 0))
    .reduce((sum, n) => sum + n, 0);
  return h('span', {
    title: `${usage.calls} calls; input ${usage.inputTokens}, output ${usage.outputTokens}, cache read ${usage.cacheReadTokens ?? 0}, cache write ${usage.cacheWriteTokens ?? 0}`,
    text:
      usage.offlineCalls > 0 && usage.offlineCalls === usage.calls
        ? `offline, $0 · ~${tokens.toLocaleString('en-US')} tok`
        : `$${usage.costUsd.toFixed(4)} · ${tokens.toLocaleString('en-US')} tok`,
  });
}

function pullRequestLink(job) {
  const pull = job.pullRequest;
  if (!pull || typeof pull.url !== 'string' || !/^https?:\/\//.test(pull.url)) return null;
  return h('a', {
    class: 'pull-request',
    href: pull.url,
    target: '_blank',
    rel: 'noopener noreferrer',
    text: `#${pull.number}`,
  });
}

function reasonOf(job) {
  const text = [job.reason, job.error, job.cause].filter(Boolean).join(' — ');
  return text || null;
}

function summaryOf(summary) {
  if (summary === undefined || summary === null) return null;
  const text = typeof summary === 'string' ? summary : JSON.stringify(summary);
  return h('code', {
    class: 'inline-json',
    title: text,
    text: text.length > 80 ? `${text.slice(0, 77)}…` : text,
  });
}

export function activeJobsView() {
  return simpleView(
    'Active jobs',
    'One lease per project and user (active-jobs table)',
    '/api/active-jobs',
    ({ activeJobs }) =>
      card(
        null,
        table(
          [
            { title: 'Project#user', class: 'name', cell: (j) => j.pk },
            {
              title: 'Job',
              cell: (j) => (j.executionArn ? executionLink(j.executionArn, j.jobId) : j.jobId),
            },
            { title: 'Claimed', class: 'nowrap', cell: (j) => formatTime(j.claimedAt) },
            { title: 'Lease expires', class: 'nowrap', cell: (j) => formatTime(j.expiresAtIso) },
            { title: 'Worker', cell: (j) => j.workerId },
            {
              title: 'Interrupt requested by',
              cell: (j) =>
                j.interruptRequestedBy
                  ? h('span', { class: 'badge outcome-interrupted', text: j.interruptRequestedBy })
                  : null,
            },
          ],
          activeJobs,
          'No job is running.',
        ),
      ),
  );
}

export function interruptionsView() {
  return simpleView(
    'Interruptions',
    'Replies that asked a running job to stop (interruptions table)',
    '/api/interruptions',
    ({ interruptions }) =>
      card(
        null,
        table(
          [
            { title: 'Project#user', class: 'name', cell: (i) => i.pk },
            { title: 'Interrupted job', cell: (i) => i.targetJobId },
            { title: 'By job', cell: (i) => i.byJobId },
            { title: 'Reason', class: 'wrap', cell: (i) => i.reason },
            {
              title: 'Delivered',
              cell: (i) => (i.delivered === undefined ? null : i.delivered ? 'yes' : 'no'),
            },
            { title: 'When', class: 'nowrap', cell: (i) => formatTime(i.interruptedAt) },
          ],
          [...interruptions].sort((a, b) => String(b.sk).localeCompare(String(a.sk))),
          'No interruptions recorded.',
        ),
      ),
  );
}

export function queuesView() {
  return simpleView(
    'Queues',
    'Approximate depths per project and user (SQS)',
    '/api/queues',
    ({ queues }) => {
      const slots = new Map();
      for (const queue of queues) {
        const slot = slots.get(queue.slot) ?? { slot: queue.slot };
        slot[queue.kind] = queue;
        slots.set(queue.slot, slot);
      }
      const depth = (queue, field) =>
        queue
          ? h('span', { class: queue[field] > 0 ? 'depth nonzero' : 'depth', text: String(queue[field]) })
          : '—';
      return card(
        null,
        table(
          [
            { title: 'Project-user', class: 'name', cell: (q) => q.slot },
            { title: 'Input: visible', class: 'numeric', cell: (q) => depth(q.input, 'visible') },
            { title: 'Input: in flight', class: 'numeric', cell: (q) => depth(q.input, 'inFlight') },
            { title: 'Interrupt: visible', class: 'numeric', cell: (q) => depth(q.interrupt, 'visible') },
            {
              title: 'Dead-letter: visible',
              class: 'numeric',
              cell: (q) =>
                q.dlq
                  ? h('span', {
                      class: q.dlq.visible > 0 ? 'depth dlq' : 'depth',
                      text: String(q.dlq.visible),
                    })
                  : '—',
            },
          ],
          [...slots.values()],
          'No project queues yet: they are created with the first job.',
        ),
      );
    },
  );
}

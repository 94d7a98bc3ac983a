import { executionLink, formatDuration, formatTime, getJson, h, statusBadge, table } from '../dom.js';
import { debounce } from '../live.js';

const FILTERS = [
  ['ALL', 'All'],
  ['RUNNING', 'Running'],
  ['SUCCEEDED', 'Succeeded'],
  ['FAILED', 'Failed'],
  ['TIMED_OUT', 'Timed out'],
  ['ABORTED', 'Aborted'],
];

const COLUMNS = [
  { title: 'Name', class: 'name', cell: (e) => executionLink(e.executionArn, e.name) },
  { title: 'Status', cell: (e) => statusBadge(e.status) },
  { title: 'Project', cell: (e) => e.project ?? null },
  { title: 'Sender', cell: (e) => e.sender ?? null },
  { title: 'Subject', class: 'wrap', cell: (e) => e.subject ?? null },
  { title: 'Started', class: 'nowrap', cell: (e) => formatTime(e.startDate) },
  { title: 'Ended', class: 'nowrap', cell: (e) => formatTime(e.stopDate) },
  { title: 'Duration', class: 'nowrap numeric', cell: (e) => formatDuration(e.startDate, e.stopDate) },
];

/** The executions list: status filter, newest first, paged with ListExecutions' nextToken. */
export function executionsView(query) {
  const status = FILTERS.some(([value]) => value === query.get('status')) ? query.get('status') : 'ALL';
  const rows = h('div', { class: 'table-wrap' });
  const more = h('div', { class: 'more' });
  const heading = h('h1', { text: 'Executions' });
  const filterBar = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Filter by status' },
    FILTERS.map(([value, label]) =>
      h('a', {
        href: value === 'ALL' ? '#/executions' : `#/executions?status=${value}`,
        class: value === status ? 'selected' : '',
        'aria-pressed': String(value === status),
        dataset: { status: value },
        text: label,
      }),
    ),
  );
  const element = h(
    'div',
    { class: 'page' },
    h('div', { class: 'page-header' }, heading, h('span', { class: 'subtle', id: 'execution-count' })),
    h('section', { class: 'card' }, h('div', { class: 'card-toolbar' }, filterBar), rows, more),
  );

  let executions = [];
  let nextToken;
  const show = () => {
    rows.replaceChildren(table(COLUMNS, executions, 'No executions match this filter.'));
    element.querySelector('#execution-count').textContent =
      `${executions.length}${nextToken ? '+' : ''} execution${executions.length === 1 ? '' : 's'}`;
    more.replaceChildren(
      nextToken
        ? h('button', {
            class: 'button',
            type: 'button',
            text: 'Load more',
            onclick: () => void page(nextToken),
          })
        : '',
    );
  };
  const page = async (token) => {
    const params = new URLSearchParams({ maxResults: '50' });
    if (status !== 'ALL') params.set('status', status);
    if (token) params.set('nextToken', token);
    const result = await getJson(`/api/executions?${params}`);
    executions = token ? [...executions, ...result.executions] : result.executions;
    nextToken = result.nextToken;
    show();
  };
  const load = () => page(undefined);
  const refresh = debounce(() => void load().catch(() => undefined), 300);

  // A running execution's duration keeps counting.
  const ticker = window.setInterval(() => {
    if (executions.some((e) => e.status === 'RUNNING')) show();
  }, 1000);

  return {
    element,
    load,
    onChange: (change) => {
      if (change.status) refresh();
    },
    dispose: () => window.clearInterval(ticker),
  };
}

// DOM helpers. Everything the page shows comes from email and workflow data, so text only ever
// reaches the page through textContent and attribute values: never innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. `props`: `class`, `text`, `on<event>` handlers, `dataset`, other attributes.
 * Children: nodes or strings (added as text nodes); null/undefined/false are skipped.
 */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

export function s(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') element.textContent = String(value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return element;
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.error ?? response.status}: ${body.message ?? ''}`);
  return body;
}

const STATUS_LABELS = {
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  TIMED_OUT: 'Timed out',
  ABORTED: 'Aborted',
};

export function statusBadge(status) {
  const label = STATUS_LABELS[status] ?? status ?? 'Unknown';
  return h('span', { class: `badge status-${String(status ?? 'unknown').toLowerCase()}`, text: label });
}

export function outcomeBadge(outcome) {
  return h('span', { class: `badge outcome-${String(outcome ?? 'unknown')}`, text: outcome ?? '—' });
}

export function formatTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  );
}

export function formatDuration(start, stop) {
  if (!start) return '—';
  const ms = (stop ? new Date(stop) : new Date()).getTime() - new Date(start).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return minutes < 60 ? `${minutes} min ${seconds} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Pretty-prints JSON text (as the Step Functions API carries payloads); other text is left as is. */
export function prettyJson(text) {
  if (text === undefined || text === null) return '';
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function codeBlock(text, extraClass = '') {
  return h('pre', { class: `code ${extraClass}`.trim(), text: text === '' ? '—' : text });
}

export function card(title, ...children) {
  return h(
    'section',
    { class: 'card' },
    title ? h('h2', { class: 'card-title', text: title }) : null,
    children,
  );
}

export function keyValues(pairs) {
  return h(
    'dl',
    { class: 'key-values' },
    pairs.map(([key, value, options]) =>
      h('div', { class: options?.wide ? 'wide' : null }, h('dt', { text: key }), h('dd', {}, value ?? '—')),
    ),
  );
}

export function table(columns, rows, emptyText = 'Nothing to show.') {
  if (rows.length === 0) return h('p', { class: 'empty', text: emptyText });
  return h(
    'table',
    { class: 'data-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((column) => h('th', { text: column.title })),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          row.__attrs ?? {},
          columns.map((column) => h('td', { class: column.class }, column.cell(row) ?? '—')),
        ),
      ),
    ),
  );
}

export function errorBox(error) {
  return h('div', { class: 'alert alert-error', role: 'alert', text: String(error?.message ?? error) });
}

export function executionLink(arn, label) {
  return h('a', { href: `#/execution/${encodeURIComponent(arn)}`, text: label ?? arn });
}

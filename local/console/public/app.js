import { errorBox, h } from './dom.js';
import { executionsView } from './views/executions.js';
import { executionView } from './views/execution.js';
import { activeJobsView, interruptionsView, jobsView, queuesView } from './views/tables.js';
import { outboxMessageView, outboxView } from './views/outbox.js';

// Routes: #/executions?status=FAILED, #/execution/<arn>, #/jobs, #/active-jobs, #/interruptions,
// #/queues, #/outbox, #/outbox/<id>. Each view renders into a container and may return
// { onChange(change), dispose() } to follow live updates.
const ROUTES = [
  [/^\/executions$/, 'executions', (_m, query) => executionsView(query)],
  [/^\/execution\/(.+)$/, 'executions', (m) => executionView(decodeURIComponent(m[1]))],
  [/^\/jobs$/, 'jobs', () => jobsView()],
  [/^\/active-jobs$/, 'active-jobs', () => activeJobsView()],
  [/^\/interruptions$/, 'interruptions', () => interruptionsView()],
  [/^\/queues$/, 'queues', () => queuesView()],
  [/^\/outbox$/, 'outbox', () => outboxView()],
  [/^\/outbox\/(.+)$/, 'outbox', (m) => outboxMessageView(decodeURIComponent(m[1]))],
];

const container = document.getElementById('view');
let current;

async function render() {
  const hash = window.location.hash.replace(/^#/, '') || '/executions';
  const [path, search = ''] = hash.split('?');
  const query = new URLSearchParams(search);
  current?.dispose?.();
  current = undefined;
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  for (const link of document.querySelectorAll('.top-nav a')) {
    link.classList.toggle('active', route !== undefined && link.dataset.view === route[1]);
  }
  const view = route
    ? route[2](path.match(route[0]), query)
    : { element: h('p', { class: 'empty', text: 'No such page.' }) };
  container.replaceChildren(view.element);
  current = view;
  try {
    await view.load?.();
  } catch (error) {
    view.element.prepend(errorBox(error));
  }
}

function connectLive() {
  const indicator = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => indicator.classList.add('connected'));
  events.addEventListener('error', () => indicator.classList.remove('connected'));
  events.addEventListener('execution', (message) => {
    const change = JSON.parse(message.data);
    current?.onChange?.(change);
  });
}

window.addEventListener('hashchange', () => void render());
connectLive();
void render();

import {
  card,
  codeBlock,
  formatDuration,
  formatTime,
  getJson,
  h,
  keyValues,
  prettyJson,
  statusBadge,
} from '../dom.js';
import { debounce } from '../live.js';
import { LEGEND, renderGraph } from './graph.js';
import { eventsTable } from './history.js';

const VISIT_TITLES = Object.fromEntries(LEGEND);

/** One execution: summary, the graph with the path taken, the selected step's data, the event history. */
export function executionView(executionArn) {
  const element = h('div', { class: 'page execution-page' });
  let stateMachine;
  let view;
  let selected;

  const render = () => {
    const { execution, events, path } = view;
    selected ??= defaultSelection(path);
    element.replaceChildren(
      h(
        'nav',
        { class: 'breadcrumb' },
        h('a', { href: '#/executions', text: 'Executions' }),
        ' / ',
        execution.name,
      ),
      h('div', { class: 'page-header' }, h('h1', { text: execution.name }), statusBadge(execution.status)),
      summaryCard(execution),
      h(
        'div',
        { class: 'execution-grid' },
        card(
          'Graph view',
          legend(),
          h(
            'div',
            { class: 'graph-wrap' },
            renderGraph(stateMachine.graph, path, {
              selected,
              onSelect: (name) => {
                selected = name;
                render();
              },
            }),
          ),
        ),
        stepCard(path, selected, execution),
      ),
      h(
        'div',
        { class: 'two-columns' },
        card('Execution input', codeBlock(prettyJson(execution.input), 'tall')),
        card('Execution output', codeBlock(prettyJson(execution.output ?? ''), 'tall')),
      ),
      card(`Events (${events.length})`, eventsTable(events)),
    );
  };

  const load = async () => {
    [stateMachine, view] = await Promise.all([
      stateMachine ?? getJson('/api/state-machine'),
      getJson(`/api/execution?arn=${encodeURIComponent(executionArn)}`),
    ]);
    render();
  };
  const reload = debounce(() => void load().catch(() => undefined), 150);
  const ticker = window.setInterval(() => {
    if (view?.execution.status === 'RUNNING') {
      const duration = element.querySelector('[data-field="duration"]');
      if (duration) duration.textContent = formatDuration(view.execution.startDate);
    }
  }, 1000);

  return {
    element,
    load,
    onChange: (change) => {
      if (change.executionArn === executionArn) reload();
    },
    dispose: () => window.clearInterval(ticker),
  };
}

function defaultSelection(path) {
  const visits = path.visits;
  const interesting = [...visits].reverse().find((v) => v.status === 'running' || v.status === 'failed');
  return (interesting ?? visits[visits.length - 1])?.name;
}

function summaryCard(execution) {
  const failure =
    execution.error || execution.cause
      ? h(
          'div',
          { class: 'alert alert-error', role: 'alert' },
          h('strong', { text: execution.error ?? 'Error' }),
          h('div', { class: 'cause', text: execution.cause ?? '' }),
        )
      : null;
  return card(
    'Details',
    failure,
    keyValues([
      ['Execution ARN', h('code', { text: execution.executionArn }), { wide: true }],
      ['Status', statusBadge(execution.status)],
      ['Started', formatTime(execution.startDate)],
      ['Ended', formatTime(execution.stopDate)],
      [
        'Duration',
        h('span', {
          dataset: { field: 'duration' },
          text: formatDuration(execution.startDate, execution.stopDate),
        }),
      ],
      ['State machine', h('code', { text: execution.stateMachineArn }), { wide: true }],
    ]),
  );
}

function legend() {
  return h(
    'ul',
    { class: 'legend' },
    LEGEND.map(([status, label]) =>
      h('li', { class: `legend-${status}` }, h('span', { class: 'swatch' }), label),
    ),
  );
}

function stepCard(path, name, execution) {
  const visits = path.visits.filter((visit) => visit.name === name);
  const visit = visits[visits.length - 1];
  if (!visit) {
    return card(
      'Step details',
      h('p', {
        class: 'empty',
        text: name ? `${name} was not run in this execution.` : 'Select a state in the graph.',
      }),
    );
  }
  const failure = stepError(visit, execution);
  return h(
    'section',
    { class: 'card step-details', dataset: { state: visit.name } },
    h(
      'h2',
      { class: 'card-title' },
      h('span', { text: visit.name }),
      h('span', { class: `badge visit-${visit.status}`, text: VISIT_TITLES[visit.status] }),
    ),
    keyValues(
      [
        ['Type', visit.stateType],
        ['Entered', formatTime(visit.enteredAt)],
        ['Exited', formatTime(visit.exitedAt)],
        ['Duration', visit.exitedAt ? formatDuration(visit.enteredAt, visit.exitedAt) : '—'],
        visits.length > 1 ? ['Visits', String(visits.length)] : null,
      ].filter(Boolean),
    ),
    failure
      ? h(
          'div',
          { class: `alert ${visit.status === 'caught' ? 'alert-warning' : 'alert-error'}` },
          h('strong', { text: failure.error }),
          h('div', { class: 'cause', text: failure.cause ?? '' }),
        )
      : null,
    h('h3', { text: 'Input' }),
    codeBlock(prettyJson(visit.input), 'step-input'),
    h('h3', { text: 'Output' }),
    codeBlock(visit.output === undefined ? '' : prettyJson(visit.output), 'step-output'),
  );
}

/** A task's own error, or for the Fail state that ended the execution, the execution's error. */
function stepError(visit, execution) {
  if (visit.error) return { error: visit.error, cause: visit.cause };
  if (visit.stateType === 'Fail' && execution.error)
    return { error: execution.error, cause: execution.cause };
  return undefined;
}

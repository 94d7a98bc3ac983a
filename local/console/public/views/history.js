import { formatTime, h, prettyJson } from '../dom.js';

/** The step each event belongs to: its own state name, or the state entered most recently. */
function stepNames(events) {
  let current = '';
  return events.map((event) => {
    const entered = event.stateEnteredEventDetails?.name;
    const exited = event.stateExitedEventDetails?.name;
    if (entered) current = entered;
    if (event.type.startsWith('Execution')) return '';
    const name = entered ?? exited ?? current;
    if (exited) current = '';
    return name;
  });
}

/** The `<type>EventDetails` member of an event, with JSON payloads expanded for reading. */
function details(event) {
  const key = Object.keys(event).find((name) => name.endsWith('EventDetails'));
  if (!key) return null;
  const value = { ...event[key] };
  for (const field of ['input', 'output', 'parameters']) {
    if (typeof value[field] === 'string') value[field] = tryParse(value[field]);
  }
  const summary = Object.entries(value)
    .filter(([name]) => !name.endsWith('Details'))
    .map(([name, v]) => `${name}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
  return h(
    'details',
    { class: 'event-details' },
    h('summary', { text: summary.length > 120 ? `${summary.slice(0, 117)}…` : summary }),
    h('pre', { class: 'code', text: prettyJson(JSON.stringify(value)) }),
  );
}

function tryParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function eventClass(type) {
  if (/Failed|TimedOut|Aborted/.test(type)) return 'event-failed';
  if (/Succeeded$/.test(type)) return 'event-succeeded';
  return '';
}

/** The history as GetExecutionHistory returns it: one row per event, in order. */
export function eventsTable(events) {
  const steps = stepNames(events);
  const first = events[0] ? new Date(events[0].timestamp).getTime() : 0;
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table events-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['ID', 'Type', 'Step', 'Elapsed', 'Timestamp', 'Details'].map((title) => h('th', { text: title })),
        ),
      ),
      h(
        'tbody',
        {},
        events.map((event, index) =>
          h(
            'tr',
            { class: eventClass(event.type), dataset: { eventId: event.id, eventType: event.type } },
            h('td', { class: 'numeric', text: event.id }),
            h('td', { class: 'event-type', text: event.type }),
            h('td', { class: 'event-step', text: steps[index] }),
            h('td', {
              class: 'numeric nowrap',
              text: `${new Date(event.timestamp).getTime() - first} ms`,
            }),
            h('td', { class: 'nowrap', text: formatTime(event.timestamp) }),
            h('td', { class: 'details-cell' }, details(event)),
          ),
        ),
      ),
    ),
  );
}

import { s } from '../dom.js';

const STATUS_TITLES = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  caught: 'Caught error',
  running: 'In progress',
  aborted: 'Aborted',
};

export const LEGEND = [
  ['running', 'In progress'],
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['caught', 'Caught error'],
  ['aborted', 'Aborted'],
  ['none', 'Not run'],
];

/** The latest visit's status per state name, plus the start and end markers. */
export function nodeStatuses(path) {
  const statuses = new Map();
  for (const visit of path.visits) statuses.set(visit.name, visit.status);
  for (const transition of path.transitions) {
    if (transition.from === '__start__') statuses.set('__start__', 'succeeded');
    if (transition.to === '__end__') statuses.set('__end__', 'succeeded');
  }
  return statuses;
}

/**
 * Draws the laid-out state machine as SVG. `path` marks the states entered and the edges taken;
 * `onSelect(name)` is called when a state is clicked.
 */
export function renderGraph(graph, path, { selected, onSelect }) {
  const statuses = nodeStatuses(path);
  const taken = new Set(path.transitions.map((t) => `${t.from}\u0000${t.to}\u0000${t.viaCatch}`));
  const isTaken = (edge) => taken.has(`${edge.from}\u0000${edge.to}\u0000${edge.kind === 'catch'}`);

  const markerOf = (edge) => (isTaken(edge) ? (edge.kind === 'catch' ? 'caught' : 'taken') : edge.kind);

  const edges = graph.edges.map((edge) => {
    const classes = ['edge', `edge-${edge.kind}`, isTaken(edge) ? 'taken' : ''].join(' ');
    return s(
      'g',
      { class: classes, dataset: { from: edge.from, to: edge.to, kind: edge.kind } },
      s('title', {
        text: edge.kind === 'catch' ? `Catch: ${edge.errors.join(', ')}` : (edge.label ?? 'Next'),
      }),
      s('path', {
        d: curve(edge.points),
        'marker-end': `url(#arrow-${markerOf(edge)})`,
      }),
      edge.label && edge.labelX !== undefined ? edgeLabel(edge) : null,
    );
  });

  const nodes = graph.nodes.map((node) => {
    const status = statuses.get(node.id) ?? 'none';
    const left = node.x - node.width / 2;
    const top = node.y - node.height / 2;
    const isMarker = node.kind !== 'state';
    const group = s(
      'g',
      {
        class: `node node-${node.kind} status-${status}${selected === node.id ? ' selected' : ''}`,
        dataset: { state: node.id, status },
        role: isMarker ? null : 'button',
        tabindex: isMarker ? null : '0',
        'aria-label': isMarker ? null : `${node.label}: ${STATUS_TITLES[status] ?? 'Not run'}`,
      },
      s('title', { text: `${node.label}${node.detail ? ` (${node.detail})` : ''}` }),
      s('rect', {
        x: left,
        y: top,
        width: node.width,
        height: node.height,
        rx: isMarker ? node.height / 2 : 6,
      }),
      isMarker
        ? s('text', { x: node.x, y: node.y + 4, class: 'node-label', text: node.label })
        : [
            s('text', { x: node.x, y: node.y - 3, class: 'node-label', text: node.label }),
            s('text', { x: node.x, y: node.y + 14, class: 'node-detail', text: node.detail ?? '' }),
          ],
    );
    if (!isMarker) {
      const select = () => onSelect(node.id);
      group.addEventListener('click', select);
      group.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          select();
        }
      });
    }
    return group;
  });

  return s(
    'svg',
    {
      class: 'state-graph',
      viewBox: `0 0 ${graph.width} ${graph.height}`,
      width: graph.width,
      role: 'img',
      'aria-label': 'State machine graph with the path taken',
    },
    s('defs', {}, ['next', 'choice', 'default', 'catch', 'taken', 'caught'].map(arrowMarker)),
    s('g', { class: 'edges' }, edges),
    s('g', { class: 'nodes' }, nodes),
  );
}

function edgeLabel(edge) {
  const width = edge.label.length * 6.2 + 10;
  return s(
    'g',
    { class: 'edge-label' },
    s('rect', { x: edge.labelX - width / 2, y: edge.labelY - 9, width, height: 18, rx: 3 }),
    s('text', { x: edge.labelX, y: edge.labelY + 4, text: edge.label }),
  );
}

function arrowMarker(kind) {
  return s(
    'marker',
    {
      id: `arrow-${kind}`,
      class: `arrow arrow-${kind}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }),
  );
}

/** A smooth path through dagre's points: straight ends, quadratic bends in between. */
function curve(points) {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M ${first.x} ${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const point = rest[i];
    const next = rest[i + 1];
    d += ` Q ${point.x} ${point.y} ${(point.x + next.x) / 2} ${(point.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L ${last.x} ${last.y}`;
  return d;
}

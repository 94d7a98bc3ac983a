import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';

export const START_NODE = '__start__';
export const END_NODE = '__end__';

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphNode {
  id: string;
  label: string;
  kind: 'start' | 'end' | 'state';
  /** The ASL state type (Task, Choice, Succeed…); absent for the start and end markers. */
  stateType?: string;
  /** A second line under the name, such as `Lambda: Invoke`. */
  detail?: string;
  /** Centre of the node. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
  /** The errors a Catch edge handles; shown on hover rather than as a label, to keep the graph narrow. */
  errors?: string[];
  points: { x: number; y: number }[];
  labelX?: number;
  labelY?: number;
}

export interface StateGraph {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

interface AslState {
  Type?: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next?: string; Variable?: string; StringEquals?: unknown; BooleanEquals?: unknown }[];
  Catch?: { ErrorEquals?: string[]; Next?: string }[];
}

interface AslDefinition {
  StartAt?: string;
  States?: Record<string, AslState>;
}

const STATE_HEIGHT = 50;
const CHAR_WIDTH = 7.4;
const LABEL_HEIGHT = 18;

/** Lays out the top-level states of an ASL definition as a top-to-bottom graph, as the AWS console does. */
export function layoutStateGraph(definitionText: string): StateGraph {
  const definition = JSON.parse(definitionText) as AslDefinition;
  const states = definition.States ?? {};
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 40, edgesep: 10, marginx: 12, marginy: 12 });

  const nodes = new Map<string, Omit<GraphNode, 'x' | 'y'>>();
  const addNode = (node: Omit<GraphNode, 'x' | 'y'>) => {
    nodes.set(node.id, node);
    graph.setNode(node.id, { width: node.width, height: node.height });
  };
  addNode({ id: START_NODE, label: 'Start', kind: 'start', width: 72, height: 30 });
  addNode({ id: END_NODE, label: 'End', kind: 'end', width: 72, height: 30 });
  for (const [name, state] of Object.entries(states)) {
    const detail = describeState(state);
    const widest = Math.max(name.length * (CHAR_WIDTH + 0.4), detail.length * CHAR_WIDTH * 0.82);
    addNode({
      id: name,
      label: name,
      kind: 'state',
      stateType: state.Type,
      detail,
      width: Math.max(128, Math.ceil(widest) + 24),
      height: STATE_HEIGHT,
    });
  }

  const edges: Omit<GraphEdge, 'points'>[] = [];
  if (definition.StartAt) edges.push({ from: START_NODE, to: definition.StartAt, kind: 'next' });
  for (const [name, state] of Object.entries(states)) edges.push(...edgesOf(name, state));
  edges.forEach((edge, index) => {
    const labelSize = edge.label ? { width: edge.label.length * 6.2 + 10, height: LABEL_HEIGHT } : {};
    // Catch edges are long detours; a lower weight keeps them from bending the main path.
    const weight = edge.kind === 'catch' ? 1 : 3;
    graph.setEdge(edge.from, edge.to, { ...labelSize, weight, labelpos: 'c' }, `e${index}`);
  });

  dagre.layout(graph);

  const size = graph.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: [...nodes.values()].map((node) => {
      const placed = graph.node(node.id);
      return { ...node, x: placed.x ?? 0, y: placed.y ?? 0 };
    }),
    edges: edges.map((edge, index) => {
      const placed = graph.edge({ v: edge.from, w: edge.to, name: `e${index}` });
      return {
        ...edge,
        points: (placed.points ?? []).map(({ x, y }) => ({ x, y })),
        ...(edge.label ? { labelX: placed.x, labelY: placed.y } : {}),
      };
    }),
  };
}

function edgesOf(name: string, state: AslState): Omit<GraphEdge, 'points'>[] {
  const edges: Omit<GraphEdge, 'points'>[] = [];
  if (state.Next) edges.push({ from: name, to: state.Next, kind: 'next' });
  if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') {
    edges.push({ from: name, to: END_NODE, kind: 'next' });
  }
  for (const choice of state.Choices ?? []) {
    if (choice.Next) edges.push({ from: name, to: choice.Next, kind: 'choice', label: choiceLabel(choice) });
  }
  if (state.Default) edges.push({ from: name, to: state.Default, kind: 'default', label: 'Default' });
  for (const rule of state.Catch ?? []) {
    if (rule.Next) {
      edges.push({ from: name, to: rule.Next, kind: 'catch', errors: rule.ErrorEquals ?? [] });
    }
  }
  return edges;
}

function choiceLabel(choice: NonNullable<AslState['Choices']>[number]): string {
  const value = choice.StringEquals ?? choice.BooleanEquals;
  return value === undefined ? 'Rule' : `= ${String(value)}`;
}

/** The second line of a node, in the words the AWS console uses. */
export function describeState(state: AslState): string {
  if (state.Type !== 'Task' || !state.Resource) return state.Type ?? 'State';
  const match = /^arn:aws:states:::([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(waitForTaskToken|sync))?/.exec(
    state.Resource,
  );
  if (!match) return state.Resource.includes(':function:') ? 'Lambda: Invoke' : 'Task';
  const [, service = '', action = '', pattern] = match;
  const serviceName = SERVICE_NAMES[service] ?? service.toUpperCase();
  const actionName = action.charAt(0).toUpperCase() + action.slice(1);
  const suffix = pattern === 'waitForTaskToken' ? ' (callback)' : pattern === 'sync' ? ' (sync)' : '';
  return `${serviceName}: ${actionName}${suffix}`;
}

const SERVICE_NAMES: Readonly<Record<string, string>> = {
  lambda: 'Lambda',
  sqs: 'SQS',
  sns: 'SNS',
  dynamodb: 'DynamoDB',
  states: 'Step Functions',
  ecs: 'ECS',
};

export { BODY_LIMITS, DEFAULT_EDGE_PORT, startEdge } from './edge.ts';
export type { Edge, EdgeHandler, EdgeMatcher, EdgeOptions, EdgeRefusal } from './edge.ts';
export { credentialsFileOf, loadLocalCredentials, newLocalCredentials } from './local-credentials.ts';
export type { LocalCredentials } from './local-credentials.ts';
export { assertLoopbackHost, isLoopbackHost } from './loopback.ts';

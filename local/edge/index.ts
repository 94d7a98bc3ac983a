export { BODY_LIMITS, DEFAULT_EDGE_PORT, startEdge } from './edge';
export type { Edge, EdgeHandler, EdgeMatcher, EdgeOptions, EdgeRefusal } from './edge';
export { credentialsFileOf, loadLocalCredentials, newLocalCredentials } from './local-credentials';
export type { LocalCredentials } from './local-credentials';
export { assertLoopbackHost, isLoopbackHost } from './loopback';

export { startConsole } from './console-server.ts';
export type { ConsoleOptions, ConsoleServer } from './console-server.ts';
export type { ConsoleClients, ConsoleConfig } from './console-data.ts';

export { startLocalForge } from './forge-server.ts';
export type { LocalForge, LocalForgeOptions } from './forge-server.ts';
export { createBareRepository, seedRepository } from './seed-repository.ts';
export type { SeedCommit } from './seed-repository.ts';

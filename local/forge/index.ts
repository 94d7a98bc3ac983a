export { startLocalForge } from './forge-server';
export type { LocalForge, LocalForgeOptions } from './forge-server';
export { createBareRepository, seedRepository } from './seed-repository';
export type { SeedCommit } from './seed-repository';

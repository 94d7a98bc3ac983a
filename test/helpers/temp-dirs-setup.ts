import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.ts';

// Registered before the test file's own hooks, so it runs after them (hooks run as a stack): the
// workers and servers a file stops in its `afterAll` no longer use the folders removed here.
afterAll(removeTempDirs);

// Vitest ends its worker processes with SIGTERM, which kills them without running `exit` handlers;
// code under test removes some of its temporary folders in those (the sandbox's /etc snapshot), as
// the worker's own process does when it exits on SIGTERM. Exiting on SIGTERM lets them run here too.
if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', () => process.exit(143));

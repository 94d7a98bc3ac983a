#!/usr/bin/env -S npx tsx
import { Command } from 'commander';

const program = new Command()
  .name('intake')
  .description('Email intake: run the local runtime and inspect jobs, executions, queues and mail.');

program
  .command('up')
  .description('start the local runtime (emulators, Step Functions, SMTP, worker, console)')
  .action(() => {
    console.error('intake up: the local runtime is not built yet (see the open issues).');
    process.exitCode = 1;
  });

await program.parseAsync(process.argv);

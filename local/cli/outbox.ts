import { listOutbox, readOutboxMessage } from '../outbox/outbox.ts';
import type { CliContext } from './cli-context.ts';
import { output, table } from './format.ts';
import { CliError } from './cli-context.ts';

/** The replies the system sent, as the local runtime captured them. */
export async function showOutbox(
  context: CliContext,
  options: { json: boolean; show?: string },
): Promise<void> {
  const entries = await listOutbox(context.dataDir);
  if (options.show) {
    const entry = entries.find(
      (candidate) => candidate.id === options.show || candidate.messageId === options.show,
    );
    if (!entry) throw new CliError(`No outbox message ${options.show}`);
    process.stdout.write(await readOutboxMessage(context.dataDir, entry));
    return;
  }
  output(options.json, entries, () =>
    table(
      ['ID', 'DATE', 'TO', 'SUBJECT'],
      entries.map((entry) => [entry.id, entry.date, entry.to.join(', '), entry.subject]),
    ),
  );
}

/** The conformance runtime (`sfn-host.ts`) as a child process: `node --import tsx sfn-process.ts <dataDir> <port>`; prints `ready` once it serves. */
import { hostRuntime } from './sfn-host.ts';

const [dataDir, portText] = process.argv.slice(2);
if (dataDir === undefined || portText === undefined) throw new Error('usage: sfn-process <dataDir> <port>');
const runtime = await hostRuntime(dataDir, Number(portText));
process.on('SIGTERM', () => {
  void runtime.close().then(() => process.exit(0));
});
process.stdout.write('ready\n');

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadLocalCredentials } from '#local/edge/index.ts';
import { freePort, REPO_ROOT } from '../test/helpers/cli-process.ts';
import { signHeaders } from '../test/helpers/signed-http.ts';
import { mib, printTable, type BenchRow } from './lib/stats.ts';

const MiB = 1024 * 1024;
const CLI = fileURLToPath(new URL('../bin/intake.ts', import.meta.url));

/** Resolves at the first of the events, never rejects (a refused flood ends in a reset). */
const firstOf = (emitter: NodeJS.EventEmitter, events: string[]): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) emitter.off(event, done);
      resolve();
    };
    for (const event of events) emitter.on(event, done);
  });

/** The runtime's peak resident set so far (VmHWM), from /proc: the whole life of the process. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** `intake up` in one node process (no tsx wrapper process), so /proc names the runtime itself. */
async function startRuntime(
  dataDir: string,
): Promise<{ child: ChildProcess; edge: string; smtpPort: number }> {
  const [edgePort, smtpPort, consolePort] = await Promise.all([freePort(), freePort(), freePort()]);
  const args = ['--import', 'tsx', CLI, '-d', dataDir, 'up', '--no-worker'];
  args.push(
    '--edge-port',
    String(edgePort),
    '--smtp-port',
    String(smtpPort),
    '--console-port',
    String(consolePort),
  );
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('intake is running')) {
    if (child.exitCode !== null) throw new Error(`intake up exited ${child.exitCode}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, edge: `http://127.0.0.1:${edgePort}`, smtpPort };
}

/** Sends up to `total` bytes of DATA without the final dot; returns bytes sent before the 552. */
async function smtpFlood(port: number, total: number): Promise<{ sent: number; reply: string }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (text: string) => (received += text));
  const nextReply = async (): Promise<string> => {
    while (!/^\d{3} .*\r\n/m.test(received)) {
      if (socket.destroyed) return 'closed without a reply';
      await firstOf(socket, ['data', 'close']);
    }
    const [reply = ''] = /^\d{3} .*\r\n/m.exec(received) ?? [];
    received = received.slice(received.indexOf(reply) + reply.length);
    return reply.trim();
  };
  await nextReply();
  for (const command of [
    'EHLO bench.test',
    'MAIL FROM:<scott@example.com>',
    'RCPT TO:<amelia.scott@intake.localhost>',
    'DATA',
  ]) {
    socket.write(`${command}\r\n`);
    await nextReply();
  }
  const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
  const block = Buffer.concat(Array.from({ length: 64 }, () => line));
  let sent = 0;
  while (sent < total && !socket.destroyed && !/^552 /m.test(received)) {
    if (!socket.write(block)) await firstOf(socket, ['drain', 'close', 'data']);
    sent += block.length;
  }
  const reply = /^552 /m.test(received) ? await nextReply() : 'no reply';
  socket.destroy();
  return { sent, reply };
}

/** Streams up to `total` bytes as one StartExecution body (chunked, no length); returns bytes sent. */
async function stepFunctionsFlood(
  edge: string,
  dataDir: string,
  total: number,
): Promise<{ sent: number; status: number }> {
  const headers = await signHeaders({
    endpoint: edge,
    credentials: await loadLocalCredentials(dataDir),
    service: 'states',
    method: 'POST',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AWSStepFunctions.StartExecution',
      'transfer-encoding': 'chunked',
    },
  });
  const url = new URL(edge);
  const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers });
  req.on('error', () => undefined);
  let status = 0;
  req.on('response', (res) => {
    status = res.statusCode ?? 0;
    res.resume();
  });
  const block = Buffer.alloc(MiB, 'a');
  let sent = 0;
  while (sent < total && status === 0 && !req.destroyed) {
    if (!req.write(block)) await firstOf(req, ['drain', 'close', 'response']);
    sent += block.length;
  }
  req.destroy();
  return { sent, status };
}

/** Hostile sizes against a runtime in a child process: a 600 MB SMTP DATA, a 400 MB API body. */
export async function benchHostileSizes(): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'intake-hostile-'));
  const { child, edge, smtpPort } = await startRuntime(dataDir);
  const pid = child.pid ?? 0;
  try {
    const atStart = await peakRss(pid);
    const smtp = await smtpFlood(smtpPort, 600 * MiB);
    const afterSmtp = await peakRss(pid);
    const sfn = await stepFunctionsFlood(edge, dataDir, 400 * MiB);
    const afterSfn = await peakRss(pid);
    const name = 'hostile sizes';
    return [
      { benchmark: name, metric: 'runtime peak RSS after start', value: mib(atStart) },
      {
        benchmark: name,
        metric: 'SMTP DATA 600 MB: sent before the answer',
        value: `${mib(smtp.sent)} (${smtp.reply.slice(0, 9)})`,
      },
      { benchmark: name, metric: 'SMTP DATA 600 MB: runtime peak RSS', value: mib(afterSmtp) },
      {
        benchmark: name,
        metric: 'Step Functions 400 MB body: sent before the answer',
        value: `${mib(sfn.sent)} (HTTP ${sfn.status})`,
      },
      {
        benchmark: name,
        metric: 'Step Functions 400 MB body: runtime peak RSS',
        value: `${mib(afterSfn)} (target ≤ 300 MiB)`,
      },
    ];
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable(await benchHostileSizes());
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './cli-process.ts';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

export interface SshKeyPair {
  privateKey: string;
  /** `type base64 comment` */
  publicKey: string;
}

export interface SshServer {
  port: number;
  user: string;
  /** `ssh://user@127.0.0.1:port<absolute path>` */
  url(repositoryPath: string): string;
  /** The server's host key as a known_hosts line. */
  knownHosts: string;
  /** The key in authorized_keys. */
  deployKey: SshKeyPair;
  /** What sshd logged (accepted and refused keys). */
  log(): string;
  stop(): Promise<void>;
}

export async function generateKey(file: string, comment: string): Promise<SshKeyPair> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return {
    privateKey: await readFile(file, 'utf8'),
    publicKey: (await readFile(`${file}.pub`, 'utf8')).trim(),
  };
}

/** A known_hosts line for a host key on a loopback port. */
export const knownHostsLine = (port: number, publicKey: string): string =>
  `[127.0.0.1]:${port} ${publicKey.split(' ').slice(0, 2).join(' ')}`;

/**
 * OpenSSH's sshd on a free loopback port, run as the current user with a generated host key, and one
 * generated deploy key authorised (restricted: no shell, no forwarding; git's commands run).
 */
export async function startSshServer(dir: string): Promise<SshServer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hostKey = await generateKey(path.join(dir, 'host_key'), 'intake-test-host');
  const deployKey = await generateKey(path.join(dir, 'deploy_key'), 'intake-test-deploy');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `restrict ${deployKey.publicKey}\n`, { mode: 0o600 });
  const user = userInfo().username;
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${user}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // sshd started by root wants its privilege-separation folder (the Debian service creates it).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
    await mkdir('/run/sshd', { recursive: true });
    await chmod('/run/sshd', 0o755);
  }
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sshd exited with ${code}: ${log}`)));
    child.once('error', reject);
  });
  return {
    port,
    user,
    url: (repositoryPath) => `ssh://${user}@127.0.0.1:${port}${repositoryPath}`,
    knownHosts: knownHostsLine(port, hostKey.publicKey),
    deployKey,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

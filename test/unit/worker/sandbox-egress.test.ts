import { readdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNetworkAllowRule, type NetworkAllowRule } from '#contracts/network-allow.ts';
import type { Log, SandboxPolicy } from '../../../containers/story-processor/src/ports.ts';
import { internalRangeOf } from '../../../containers/story-processor/src/sandbox/address-ranges.ts';
import {
  startEgressProxy,
  type EgressProxy,
  type HostLookup,
} from '../../../containers/story-processor/src/sandbox/egress-proxy.ts';
import { DEFAULT_SANDBOX_POLICY } from '../../../containers/story-processor/src/sandbox/sandbox-policy.ts';
import { createSandboxedCommandRunner } from '../../../containers/story-processor/src/sandbox/sandboxed-runner.ts';
import { makeTempDir } from '../../helpers/temp-dirs.ts';

/**
 * The per-project network allowlist: an egress proxy outside the sandbox, reached through a unix
 * socket. Every server here listens on 127.0.0.1 and every name is under `.test` (never resolved
 * outside): the tests' resolver maps them to loopback or to addresses nothing ever connects to.
 */

const PATH_INSIDE = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const log: Log = {
  debug() {},
  info() {},
  warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }),
  error() {},
};

const rules = (...entries: string[]): NetworkAllowRule[] =>
  entries.map((entry) => {
    const rule = parseNetworkAllowRule(entry);
    if (typeof rule === 'string') throw new Error(rule);
    return rule;
  });

/** A resolver that knows only the test's names, and records every name it was asked. */
function testResolver(names: Record<string, string>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const address = names[host];
    if (!address) throw new Error(`ENOTFOUND ${host}`);
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(lookup, { asked });
}

let registry: HttpServer | undefined;
let registryHits = 0;
let bystander: Server | undefined;
let bystanderConnections = 0;
const proxies: EgressProxy[] = [];

/** The "package registry": a loopback HTTP server the allowlist names as registry.test:<port>. */
async function startRegistry(): Promise<number> {
  registry = createHttpServer((_req, res) => {
    registryHits += 1;
    res.end('registry ok\n');
  });
  await new Promise<void>((resolve) => registry?.listen(0, '127.0.0.1', resolve));
  return (registry.address() as AddressInfo).port;
}

/** A loopback server that nothing may reach: it counts connections. */
async function startBystander(): Promise<number> {
  bystander = createServer((socket) => {
    bystanderConnections += 1;
    socket.end();
  });
  await new Promise<void>((resolve) => bystander?.listen(0, '127.0.0.1', resolve));
  return (bystander.address() as AddressInfo).port;
}

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await new Promise<void>((resolve) => (registry ? registry.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (bystander ? bystander.close(() => resolve()) : resolve()));
  registry = undefined;
  bystander = undefined;
  registryHits = 0;
  bystanderConnections = 0;
  warnings.length = 0;
});

/** Sends one CONNECT to the proxy on its loopback port and answers the status line and body. */
async function connectThrough(proxy: EgressProxy, target: string): Promise<string> {
  const [host, port] = proxy.address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () =>
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      if (answer.startsWith('HTTP/1.1 200')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function proxyFor(allow: string[], lookup: HostLookup, allowLoopback = false): Promise<EgressProxy> {
  const proxy = await startEgressProxy({ rules: rules(...allow), log, lookup, allowLoopback }, { port: 0 });
  proxies.push(proxy);
  return proxy;
}

describe('the egress proxy', () => {
  it('refuses a host that is not on the list with a 403 naming the list, before any lookup', async () => {
    const lookup = testResolver({ 'registry.test': '127.0.0.1' });
    const proxy = await proxyFor(['registry.test:443'], lookup, true);
    const answer = await connectThrough(proxy, 'elsewhere.invalid:443');
    expect(answer).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(answer).toContain(
      `"elsewhere.invalid:443" is not on this project's sandbox.network.allow list (registry.test:443)`,
    );
    const otherPort = await connectThrough(proxy, 'registry.test:80');
    expect(otherPort).toMatch(/^HTTP\/1\.1 403/);
    expect(lookup.asked).toEqual([]);
    expect(warnings.map((warning) => warning.message)).toEqual([
      'sandbox egress refused',
      'sandbox egress refused',
    ]);
  });

  it('refuses IP literals even for a listed port, without a lookup or a connection', async () => {
    const port = await startBystander();
    const lookup = testResolver({});
    const proxy = await proxyFor([`registry.test:${port}`], lookup, true);
    for (const target of [`127.0.0.1:${port}`, `[::1]:${port}`, `169.254.169.254:80`]) {
      const answer = await connectThrough(proxy, target);
      expect(answer).toMatch(/^HTTP\/1\.1 403/);
      expect(answer).toContain('is an IP address');
    }
    expect(lookup.asked).toEqual([]);
    expect(bystanderConnections).toBe(0);
  });

  it('refuses listed names that resolve to loopback, private, link-local or metadata addresses', async () => {
    const port = await startBystander();
    const lookup = testResolver({
      'registry.test': '127.0.0.1',
      'private.test': '10.1.2.3',
      'metadata.test': '169.254.169.254',
      'metadata6.test': 'fd00:ec2::254',
      'mapped.test': '::ffff:127.0.0.1',
    });
    const proxy = await proxyFor(
      ['registry.test', 'private.test', 'metadata.test', 'metadata6.test', 'mapped.test'].map(
        (name) => `${name}:${port}`,
      ),
      lookup,
    );
    const answers = {
      loopback: await connectThrough(proxy, `registry.test:${port}`),
      private: await connectThrough(proxy, `private.test:${port}`),
      metadata: await connectThrough(proxy, `metadata.test:${port}`),
      metadata6: await connectThrough(proxy, `metadata6.test:${port}`),
      mapped: await connectThrough(proxy, `mapped.test:${port}`),
    };
    expect(answers.loopback).toContain(
      `"registry.test" (allowed by "registry.test:${port}") resolves to 127.0.0.1, a loopback address`,
    );
    expect(answers.private).toContain('10.1.2.3, a private address');
    expect(answers.metadata).toContain('169.254.169.254, a cloud metadata address');
    expect(answers.metadata6).toContain('fd00:ec2::254, a cloud metadata address');
    expect(answers.mapped).toContain('a loopback address');
    for (const answer of Object.values(answers)) expect(answer).toMatch(/^HTTP\/1\.1 403/);
    expect(bystanderConnections).toBe(0);
  });

  it('tunnels to an allowed name when loopback is allowed for the test', async () => {
    const port = await startBystander();
    const lookup = testResolver({ 'npm.registry.test': '127.0.0.1', 'registry.test': '127.0.0.1' });
    const proxy = await proxyFor([`*.registry.test:${port}`], lookup, true);
    expect(await connectThrough(proxy, `npm.registry.test:${port}`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await connectThrough(proxy, `registry.test:${port}`)).toMatch(/^HTTP\/1\.1 403/);
    expect(bystanderConnections).toBe(1);
  });

  it('classifies addresses by range', () => {
    expect(internalRangeOf('8.8.8.8')).toBeUndefined();
    expect(internalRangeOf('2606:4700::1111')).toBeUndefined();
    expect(internalRangeOf('172.31.255.1')).toBe('private');
    expect(internalRangeOf('169.254.170.2')).toBe('link-local');
    expect(internalRangeOf('fe80::1')).toBe('link-local');
    expect(internalRangeOf('::')).toBe('unspecified');
  });
});

describe('allowlist entries', () => {
  it('accept names and *.domains with ports, and name what is wrong with the rest', () => {
    expect(parseNetworkAllowRule('Registry.NPMJS.org:443')).toMatchObject({
      text: 'registry.npmjs.org:443',
      wildcard: false,
    });
    expect(parseNetworkAllowRule('*.pypi.org:443')).toMatchObject({ host: 'pypi.org', wildcard: true });
    expect(parseNetworkAllowRule('registry.npmjs.org')).toMatch(/needs a port/);
    expect(parseNetworkAllowRule('registry.npmjs.org:0')).toMatch(/no valid port/);
    expect(parseNetworkAllowRule('10.0.0.1:443')).toMatch(/is an IP address/);
    expect(parseNetworkAllowRule('[::1]:443')).toMatch(/is an IP address/);
    expect(parseNetworkAllowRule('http://x.org:443')).toMatch(/not a host name/);
    expect(parseNetworkAllowRule('*.org:443')).toMatch(/whole top-level domain/);
  });
});

const runnerFor = (defaultMode: 'bwrap' | 'uid', lookup: HostLookup, allowLoopback: boolean) =>
  createSandboxedCommandRunner({
    defaultMode,
    pathEnv: PATH_INSIDE,
    maxOutputBytes: 16 * 1024,
    log,
    uidModeSharesNetwork: true,
    egress: { lookup, allowLoopback },
  });

async function runIn(
  runner: ReturnType<typeof runnerFor>,
  command: string,
  network: SandboxPolicy['network'],
): Promise<string> {
  const dir = await makeTempDir('sandbox-egress-');
  const result = await runner.run({
    command,
    cwd: dir,
    timeoutMs: 20_000,
    signal: new AbortController().signal,
    policy: { ...DEFAULT_SANDBOX_POLICY, network },
  });
  return result.output;
}

describe('a validation command in the bwrap sandbox with an allowlist', () => {
  it('reaches the allowed registry through the proxy (plain and CONNECT), and nothing else', async () => {
    const port = await startRegistry();
    const bystanderPort = await startBystander();
    const lookup = testResolver({ 'registry.test': '127.0.0.1' });
    const output = await runIn(
      runnerFor('bwrap', lookup, true),
      [
        `curl -sS http://registry.test:${port}/ | sed 's/^/plain: /'`,
        `curl -sS -p http://registry.test:${port}/ | sed 's/^/tunnel: /'`,
        `curl -sS http://other.test:${port}/ | sed 's/^/other: /'`,
        `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${bystanderPort}/ 2>/dev/null && echo direct-reached || echo direct-refused`,
        "ip -o link show | awk -F': ' '{print \"link \" $2}'",
        'echo "proxy=$HTTPS_PROXY npm=$npm_config_https_proxy"',
      ].join('; '),
      { allow: [`registry.test:${port}`] },
    );
    expect(output).toContain('plain: registry ok');
    expect(output).toContain('tunnel: registry ok');
    expect(output).toContain(
      `other: egress proxy refused: "other.test:${port}" is not on this project's sandbox.network.allow list (registry.test:${port})`,
    );
    expect(output).toContain('direct-refused');
    expect(output.match(/^link .*$/gm)).toEqual(['link lo']);
    expect(output).toContain('proxy=http://127.0.0.1:3128 npm=http://127.0.0.1:3128');
    expect(registryHits).toBe(2);
    expect(bystanderConnections).toBe(0);
    expect(lookup.asked).toEqual(['registry.test', 'registry.test']);
  });

  it('refuses the registry when its name resolves to loopback and the test allowance is off', async () => {
    const port = await startRegistry();
    const output = await runIn(
      runnerFor('bwrap', testResolver({ 'registry.test': '127.0.0.1' }), false),
      `curl -sS http://registry.test:${port}/`,
      { allow: [`registry.test:${port}`] },
    );
    expect(output).toContain('resolves to 127.0.0.1, a loopback address the sandbox never reaches');
    expect(registryHits).toBe(0);
  });
});

describe('a validation command in the uid sandbox with an allowlist', () => {
  it.runIf(process.getuid?.() === 0)(
    'is refused unless the worker accepts that uid mode cannot enforce it',
    async () => {
      const strict = createSandboxedCommandRunner({
        defaultMode: 'uid',
        pathEnv: PATH_INSIDE,
        maxOutputBytes: 1024,
        log,
      });
      const dir = await makeTempDir('sandbox-egress-');
      await expect(
        strict.run({
          command: 'touch ran',
          cwd: dir,
          timeoutMs: 5000,
          signal: new AbortController().signal,
          policy: { ...DEFAULT_SANDBOX_POLICY, network: { allow: ['registry.test:443'] } },
        }),
      ).rejects.toThrow(/uid sandbox cannot enforce a network allowlist/);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it.runIf(process.getuid?.() === 0)(
    'gets the proxy variables and a loud warning that the allowlist is not enforced',
    async () => {
      const port = await startRegistry();
      const output = await runIn(
        runnerFor('uid', testResolver({ 'registry.test': '127.0.0.1' }), true),
        `curl -sS http://registry.test:${port}/; curl -sS http://other.test:${port}/`,
        { allow: [`registry.test:${port}`] },
      );
      expect(output).toContain('registry ok');
      expect(output).toContain('"other.test:');
      expect(warnings.map((warning) => warning.message)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^uid sandbox: the network allowlist is NOT enforced here/),
        ]),
      );
    },
  );
});

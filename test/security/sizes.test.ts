import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '#local/edge/edge.ts';
import { startSmtpFrontDoor, type SmtpFrontDoor } from '#local/smtp/smtp-front-door.ts';
import { signHeaders, type RawResponse } from '../helpers/signed-http.ts';
import { startEdgeFixture, TABLE, type EdgeFixture } from './edge-fixture.ts';

let edge: EdgeFixture;
beforeAll(async () => {
  edge = await startEdgeFixture();
});
afterAll(async () => edge?.stop());

const MiB = 1024 * 1024;

interface OpenRequest {
  /** Resolves with the answer, which may come while the body is still being sent. */
  answer: Promise<RawResponse>;
  /** Sends (part of) the body, waiting while the connection is full; false once it is gone. */
  write(chunk: Buffer): Promise<boolean>;
  /** Resolves when the connection is closed. */
  closed: Promise<void>;
}

/** A signed request whose headers are sent now and whose body the test writes, or never writes. */
async function openSignedRequest(
  service: string,
  target: string,
  headers: Record<string, string>,
): Promise<OpenRequest> {
  const { endpoint, credentials } = edge.emulators;
  const signed = await signHeaders({
    endpoint,
    credentials,
    service,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target, ...headers },
  });
  const url = new URL(endpoint);
  const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed });
  req.flushHeaders();
  let gone = false;
  req.on('error', () => (gone = true));
  const closed = new Promise<void>((resolve) => req.on('close', resolve));
  const answer = new Promise<RawResponse>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
  });
  const write = async (chunk: Buffer): Promise<boolean> => {
    if (gone || req.destroyed) return false;
    if (!req.write(chunk)) {
      await Promise.race([new Promise((resolve) => req.once('drain', resolve)), closed, answer]);
    }
    return !gone && !req.destroyed;
  };
  return { answer, closed, write };
}

describe('the edge reads no more of a body than the service accepts', () => {
  it('refuses a body declared larger than the limit before any of it is sent', async () => {
    const cases: [service: string, target: string, limit: number][] = [
      ['states', 'AWSStepFunctions.StartExecution', BODY_LIMITS.states],
      ['sqs', 'AmazonSQS.SendMessage', BODY_LIMITS.sqs],
      ['dynamodb', 'DynamoDB_20120810.PutItem', BODY_LIMITS.dynamodb],
    ];
    for (const [service, target, limit] of cases) {
      // 400 MB declared; the test never sends a byte of it.
      const open = await openSignedRequest(service, target, { 'content-length': String(400 * MiB) });
      const answer = await open.answer;
      expect(answer.status, service).toBe(413);
      expect(JSON.parse(answer.text), service).toMatchObject({ __type: 'RequestEntityTooLargeException' });
      expect(answer.text).toContain(String(limit));
      expect(answer.headers.connection).toBe('close');
      await open.closed;
    }
  });

  it('answers a chunked body as soon as it passes the limit, while the sender is still sending', async () => {
    const open = await openSignedRequest('states', 'AWSStepFunctions.StartExecution', {
      'transfer-encoding': 'chunked',
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    let answered = false;
    void open.answer.then(() => (answered = true));
    // Keeps sending until the answer arrives; the body is never ended.
    while (!answered && sent <= 64 * MiB && (await open.write(chunk))) sent += chunk.length;
    const answer = await open.answer;
    expect(answer.status).toBe(413);
    expect(sent).toBeGreaterThan(BODY_LIMITS.states);
    expect(sent).toBeLessThan(64 * MiB);
    await open.closed;
  });

  it('still serves a body within the limit', async () => {
    const { endpoint, credentials } = edge.emulators;
    const body = JSON.stringify({
      TableName: TABLE,
      Item: { pk: { S: 'big' }, blob: { S: 'x'.repeat(300 * 1024) } },
    });
    const signed = await signHeaders({
      endpoint,
      credentials,
      service: 'dynamodb',
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body,
    });
    const url = new URL(endpoint);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
  });
});

/** A line-oriented SMTP conversation over a raw socket. */
class SmtpSession {
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  readonly closed: Promise<void>;
  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }
  static open(port: number): Promise<SmtpSession> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new SmtpSession(socket)));
      socket.once('error', reject);
    });
  }
  /** The next complete reply (the last line of a multi-line reply has a space after the code). */
  async reply(): Promise<string> {
    for (;;) {
      const end = /^\d{3} .*\r\n/m.exec(this.buffer);
      if (end) {
        const upTo = end.index + end[0].length;
        const text = this.buffer.slice(0, upTo);
        this.buffer = this.buffer.slice(upTo);
        return text;
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
  async command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }
  write(data: string): boolean {
    return !this.socket.destroyed && this.socket.write(data);
  }
  get gotReply(): boolean {
    return /^\d{3} /m.test(this.buffer);
  }
  end(): void {
    this.socket.destroy();
  }
}

describe('the SMTP front door bounds what it reads', () => {
  const limit = 256 * 1024;
  const stored: string[] = [];
  let door: SmtpFrontDoor;

  beforeAll(async () => {
    door = await startSmtpFrontDoor({
      host: '127.0.0.1',
      port: 0,
      mailDomain: 'intake.localhost',
      maxMessageBytes: limit,
      store: async (key) => {
        stored.push(key);
      },
    });
  });
  afterAll(async () => door?.stop());

  it('advertises SIZE and refuses a MAIL FROM that declares more', async () => {
    const smtp = await SmtpSession.open(door.port);
    expect(await smtp.reply()).toMatch(/^220 /);
    expect(await smtp.command('EHLO client.test')).toMatch(new RegExp(`^250[- ]SIZE ${limit}\r$`, 'm'));
    expect(await smtp.command(`MAIL FROM:<scott@example.com> SIZE=${limit + 1}`)).toMatch(/^552 /);
    smtp.end();
  });

  it('answers 552 as soon as DATA passes the limit, without waiting for the end of the message', async () => {
    const smtp = await SmtpSession.open(door.port);
    await smtp.reply();
    await smtp.command('EHLO client.test');
    expect(await smtp.command('MAIL FROM:<scott@example.com>')).toMatch(/^250 /);
    expect(await smtp.command('RCPT TO:<amelia.scott@intake.localhost>')).toMatch(/^250 /);
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    smtp.write('From: scott@example.com\r\nSubject: big\r\n\r\n');
    const line = `${'x'.repeat(998)}\r\n`;
    let sent = 0;
    // Never sends the final "." line: the only way to get an answer is the refusal mid-DATA.
    while (!smtp.gotReply && smtp.write(line)) {
      sent += line.length;
      await new Promise((resolve) => setImmediate(resolve));
      if (sent > 64 * limit) break;
    }
    expect(await smtp.reply()).toMatch(/^552 5\.3\.4 /);
    await smtp.closed;
    expect(sent).toBeGreaterThan(limit);
    expect(sent).toBeLessThan(64 * limit);
    expect(stored).toEqual([]);
  });
});

import { mkdir } from 'node:fs/promises';
import { Agent, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { TtlSettings } from './dynamodb-ttl.ts';
import { closeServer, endpointOf, listen } from './net.ts';
import type { RunningService } from './net.ts';
import { proxy, readBody, send, sendJson } from './http-util.ts';
import { edgeOnly, guardServer } from './backend-guard.ts';

export interface DynamoDbEmulatorOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Requests must carry this edge token (see backend-guard). */
  edgeToken: string;
}

type AttributeMap = Record<string, unknown>;
interface WriteRequest {
  TableName?: string;
  Key?: AttributeMap;
  Item?: AttributeMap;
  ReturnValuesOnConditionCheckFailure?: string;
}
interface TableDescription {
  Table?: { KeySchema?: { AttributeName: string }[] };
}

const CONDITIONAL_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const TARGET_PREFIX = 'DynamoDB_20120810.';

/**
 * DynamoDB on dynalite (LevelDB under <dataDir>/dynamodb), behind a thin front that adds what
 * dynalite lacks: UpdateTimeToLive/DescribeTimeToLive and
 * ReturnValuesOnConditionCheckFailure=ALL_OLD (the current item is read back after the failed
 * write, so a concurrent change between the two can show; fine for a local emulator).
 */
export async function startDynamoDb(options: DynamoDbEmulatorOptions): Promise<RunningService> {
  const host = options.host ?? '127.0.0.1';
  const dir = join(options.dataDir, 'dynamodb');
  await mkdir(dir, { recursive: true });
  const ttl = await TtlSettings.load(join(dir, 'ttl.json'));

  const backend = dynalite({
    path: join(dir, 'level'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // The front forwards the edge's headers, token included, to dynalite on a port of its own.
  guardServer(backend, options.edgeToken);
  const unanswered = trackAnswers(backend);
  const backendUrl = new URL(endpointOf(host, await listen(backend, 0, host)));
  const agent = new Agent({ keepAlive: true });
  // Requests still inside dynalite when it closes make it throw "Database is closed" outside any
  // request, so stop() lets them finish first.
  const inFlight = new Set<Promise<void>>();
  const front = createServer(
    edgeOnly(options.edgeToken, (req, res) => {
      const handled = handle(req, res).catch((err: Error) => {
        if (!res.headersSent)
          sendJson(res, 500, {
            __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
            message: err.message,
          });
        else res.destroy(err);
      });
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
    }),
  );

  async function call<T>(
    req: IncomingMessage,
    operation: string,
    payload: unknown,
  ): Promise<{ status: number; json: T }> {
    const answer = await send(backendUrl, {
      method: 'POST',
      path: '/',
      agent,
      headers: {
        ...req.headers,
        'x-amz-target': TARGET_PREFIX + operation,
        'content-type': 'application/x-amz-json-1.0',
      },
      body: Buffer.from(JSON.stringify(payload)),
    });
    return { status: answer.status, json: JSON.parse(answer.body.toString('utf8') || '{}') as T };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (operation === 'UpdateTimeToLive' || operation === 'DescribeTimeToLive') {
      await timeToLive(req, res, operation);
      return;
    }
    if (!CONDITIONAL_WRITES.has(operation)) {
      proxy(req, res, backendUrl, { agent });
      return;
    }
    const body = await readBody(req);
    const input = JSON.parse(body.toString('utf8') || '{}') as WriteRequest;
    if (input.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') {
      proxy(req, res, backendUrl, { agent, body });
      return;
    }
    const answer = await send(backendUrl, { method: 'POST', path: '/', headers: req.headers, body, agent });
    const error =
      answer.status === 400 ? (JSON.parse(answer.body.toString('utf8')) as { __type?: string }) : undefined;
    if (error?.__type?.endsWith('#ConditionalCheckFailedException')) {
      const key = input.Key ?? (await keyOf(req, input));
      const current = key
        ? await call<{ Item?: AttributeMap }>(req, 'GetItem', {
            TableName: input.TableName,
            Key: key,
            ConsistentRead: true,
          })
        : undefined;
      sendJson(res, 400, { ...error, ...(current?.json.Item ? { Item: current.json.Item } : {}) });
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  async function keyOf(req: IncomingMessage, input: WriteRequest): Promise<AttributeMap | undefined> {
    const { json } = await call<TableDescription>(req, 'DescribeTable', { TableName: input.TableName });
    const names = json.Table?.KeySchema?.map((k) => k.AttributeName);
    if (!names || !input.Item) return undefined;
    return Object.fromEntries(names.map((name) => [name, input.Item?.[name]]));
  }

  async function timeToLive(req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> {
    const input = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
      TableName?: string;
      TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
    };
    const table = input.TableName ?? '';
    const described = await call<{ __type?: string }>(req, 'DescribeTable', { TableName: table });
    if (described.status !== 200) {
      sendJson(res, described.status, described.json);
      return;
    }
    if (operation === 'UpdateTimeToLive') {
      const spec = input.TimeToLiveSpecification;
      if (!spec?.AttributeName) {
        sendJson(res, 400, {
          __type: 'com.amazon.coral.validate#ValidationException',
          message: 'TimeToLiveSpecification is required',
        });
        return;
      }
      await ttl.set(table, { AttributeName: spec.AttributeName, Enabled: Boolean(spec.Enabled) });
      sendJson(res, 200, {
        TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: Boolean(spec.Enabled) },
      });
      return;
    }
    const spec = ttl.get(table);
    sendJson(res, 200, {
      TimeToLiveDescription: spec
        ? { TimeToLiveStatus: spec.Enabled ? 'ENABLED' : 'DISABLED', AttributeName: spec.AttributeName }
        : { TimeToLiveStatus: 'DISABLED' },
    });
  }

  const port = await listen(front, options.port ?? 0, host);
  return {
    endpoint: endpointOf(host, port),
    port,
    async stop() {
      const closing = closeServer(front);
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((r) => setTimeout(r, 5_000).unref()),
      ]);
      await closing;
      agent.destroy();
      // A request the front gave up on (its caller went away) can still be inside dynalite: closing
      // the database between two of its steps throws "Database is closed" outside any request.
      await Promise.race([unanswered(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await closeDynalite(backend);
    },
  };
}

/**
 * Follows each request into dynalite until dynalite answers it: it calls `end` when its action is
 * done, whether or not the caller is still there (a gone caller closes the response at once).
 * Returns a wait for the requests not yet answered.
 */
function trackAnswers(server: Server): () => Promise<void> {
  const pending = new Set<Promise<void>>();
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const answered = new Promise<void>((resolve) => {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        resolve();
        return end(...args);
      }) as ServerResponse['end'];
    });
    pending.add(answered);
    void answered.then(() => pending.delete(answered));
  });
  return () => Promise.allSettled([...pending]).then(() => undefined);
}

function closeDynalite(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

import type { IncomingMessage } from 'node:http';
import { readBody, replayRequest } from '../http-util.ts';

/**
 * Current SDKs ask ReceiveMessage for system attributes with MessageSystemAttributeNames
 * (AttributeNames is deprecated); local-aws-sqs only reads AttributeNames. Rewrites the former
 * into the latter, for the JSON and the query protocol, and hands the library a replayed request.
 */
export async function normalizeRequest(req: IncomingMessage): Promise<IncomingMessage> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  if (target !== 'AmazonSQS.ReceiveMessage' && !isForm) return req;
  const body = await readBody(req);
  return replayRequest(req, target ? rewriteJson(body) : rewriteForm(body));
}

function rewriteJson(body: Buffer): Buffer {
  try {
    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (input.MessageSystemAttributeNames === undefined || input.AttributeNames !== undefined) return body;
    input.AttributeNames = input.MessageSystemAttributeNames;
    return Buffer.from(JSON.stringify(input));
  } catch {
    return body;
  }
}

function rewriteForm(body: Buffer): Buffer {
  const form = new URLSearchParams(body.toString('latin1'));
  if (form.get('Action') !== 'ReceiveMessage') return body;
  const rewritten = new URLSearchParams();
  for (const [key, value] of form)
    rewritten.append(key.replace(/^MessageSystemAttributeName\./, 'AttributeName.'), value);
  return Buffer.from(rewritten.toString());
}

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** How the service's SDK reads errors: S3's REST-XML, SQS's query XML, or the JSON protocols. */
export type ErrorProtocol = 'rest-xml' | 'query' | 'json';

export interface AwsError {
  status: number;
  code: string;
  message: string;
}

const xmlEscape = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Answers with an error each SDK and the AWS CLI parse into a named exception. `close` ends the
 * connection too, for a refusal sent while the client is still sending a body nobody will read.
 */
export function sendAwsError(
  res: ServerResponse,
  protocol: ErrorProtocol,
  error: AwsError,
  options: { close?: boolean } = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const requestId = randomUUID();
  const { code, message } = error;
  let contentType: string;
  let body: string;
  if (protocol === 'json') {
    contentType = 'application/x-amz-json-1.0';
    body = JSON.stringify({ __type: code, message });
  } else if (protocol === 'query') {
    contentType = 'text/xml';
    body = `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  } else {
    contentType = 'application/xml';
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  }
  res.writeHead(error.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': code,
    'x-amzn-requestid': requestId,
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

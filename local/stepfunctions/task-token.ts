import { randomBytes } from 'node:crypto';

/** What a task token identifies. It names its execution so that a token issued before a restart can be
 * recognised (and answered `TaskTimedOut`) without persisting every token. */
export interface TaskTokenClaims {
  executionArn: string;
  stateName: string;
  nonce: string;
}

export function encodeTaskToken(claims: Omit<TaskTokenClaims, 'nonce'>): string {
  const full: TaskTokenClaims = { ...claims, nonce: randomBytes(16).toString('hex') };
  return Buffer.from(JSON.stringify(full)).toString('base64url');
}

/** `undefined` for a malformed token (the API's `InvalidToken`). */
export function decodeTaskToken(token: string): TaskTokenClaims | undefined {
  if (token.length === 0 || token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof claims === 'object' &&
      claims !== null &&
      'executionArn' in claims &&
      'stateName' in claims &&
      'nonce' in claims &&
      typeof claims.executionArn === 'string' &&
      typeof claims.stateName === 'string' &&
      typeof claims.nonce === 'string'
    ) {
      return { executionArn: claims.executionArn, stateName: claims.stateName, nonce: claims.nonce };
    }
  } catch {
    // fall through: not a token of ours
  }
  return undefined;
}

import { THREAD_TOKEN_PATTERN } from './thread-id.ts';

/**
 * The addresses of a project-user, `{projectId}.{userId}[+{threadId}]@{domain}`, as the system
 * writes them (routing.ts's `projectAddressOf` reads them back).
 */

/** The project address a project-user receives mail on: `{projectId}.{userId}@{domain}`. */
export function projectAddressFor(projectId: string, userId: string, domain: string): string {
  return `${projectId}.${userId}@${domain.toLowerCase()}`;
}

/** The Reply-To of the system's replies: `{projectId}.{userId}+{threadId}@{domain}`. */
export function replyAddressFor(projectId: string, userId: string, threadId: string, domain: string): string {
  if (!THREAD_TOKEN_PATTERN.test(threadId))
    throw new TypeError(`not a thread id: ${JSON.stringify(threadId)}`);
  return `${projectId}.${userId}+${threadId}@${domain.toLowerCase()}`;
}

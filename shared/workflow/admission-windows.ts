import type { RateLimits } from '../domain/project-config.ts';
import { projectWindowKey, senderWindowKey } from '../contracts/admission-windows-table.ts';
import type { AdmissionWindows, CountedWindow } from './ports.ts';

export interface RateDecision {
  admitted: boolean;
  /** The window that refused, for the record: `sender` or `project`. */
  refusedBy?: 'sender' | 'project';
  detail?: string;
  /** Whether this refusal is the one in its window that may be answered. */
  replyAllowed: boolean;
}

const windowStart = (now: Date, windowSeconds: number): Date =>
  new Date(Math.floor(now.getTime() / (windowSeconds * 1000)) * windowSeconds * 1000);

/** The two windows an email to a project counts in: its sender's and the project's. */
export function windowsFor(
  projectId: string,
  sender: string,
  limits: RateLimits,
  now: Date,
): { sender: CountedWindow; project: CountedWindow } {
  const start = windowStart(now, limits.windowSeconds);
  const startIso = start.toISOString();
  // Kept a window past its end, then left to TTL; the condition never depends on TTL deletion.
  const expiresAt = Math.floor(start.getTime() / 1000) + 2 * limits.windowSeconds;
  return {
    sender: { key: senderWindowKey(projectId, sender, startIso), limit: limits.perSender, expiresAt },
    project: { key: projectWindowKey(projectId, startIso), limit: limits.perProject, expiresAt },
  };
}

/**
 * Decides whether an admitted email may start a job: it is counted in its sender's window and then in
 * its project's, each an atomic conditional update (idempotent per job). When the project window is
 * full the sender's count is given back, so a refusal never uses up the sender's allowance.
 */
export async function takeAdmission(
  request: { projectId: string; sender: string; jobId: string; limits: RateLimits; now: Date },
  windows: AdmissionWindows,
): Promise<RateDecision> {
  const { sender, project } = windowsFor(request.projectId, request.sender, request.limits, request.now);
  const per = `${request.limits.windowSeconds} s`;
  if (!(await windows.take(sender, request.jobId))) {
    return {
      admitted: false,
      refusedBy: 'sender',
      detail: `${request.sender} sent more than ${sender.limit} emails to ${request.projectId} within ${per}`,
      replyAllowed: await windows.claimReply(sender, request.jobId),
    };
  }
  if (!(await windows.take(project, request.jobId))) {
    await windows.giveBack(sender, request.jobId);
    return {
      admitted: false,
      refusedBy: 'project',
      detail: `${request.projectId} received more than ${project.limit} emails within ${per}`,
      replyAllowed: await windows.claimReply(project, request.jobId),
    };
  }
  return { admitted: true, replyAllowed: false };
}

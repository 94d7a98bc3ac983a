import type { JobSummary } from '#contracts/messages.ts';
import { oneLine, truncateMiddle } from '../text.ts';
import { usageLines } from './usage-text.ts';

export function successReply(summary: JobSummary): string {
  const lines = summary.stories.map((story) => {
    const commit = story.commit ? ` — ${story.commit.slice(0, 12)}` : '';
    return `  ${story.index + 1}. ${oneLine(story.title, 120)}${commit}`;
  });
  return [
    `Done: ${summary.commits.length} of ${summary.stories.length} stories are committed on branch ${summary.branch}.`,
    '',
    ...lines,
    '',
    ...usageLines(summary),
    `Job ${summary.jobId}, ${Math.round(summary.durationMs / 1000)} s.`,
  ].join('\n');
}

export function failureReply(jobId: string, cause: string): string {
  return [
    'Your request could not be completed.',
    '',
    truncateMiddle(cause, 8 * 1024),
    '',
    `Job ${jobId}. Stories committed before the failure stay on the thread's branch; reply to this email to continue.`,
  ].join('\n');
}

import { jobSummarySchema, type JobSummary } from '#contracts/messages.ts';
import type { Position } from '../pipeline/story-pipeline.ts';
import { byteLength, truncateMiddle } from '../text.ts';

/** Step Functions caps a failure cause at 32,768 characters and task output at 256 KiB. */
export const MAX_CAUSE_BYTES = 32_000;
export const MAX_OUTPUT_BYTES = 250 * 1024;

export function describePosition(position: Position, storiesTotal: number): string {
  if (!position) return storiesTotal > 0 ? 'before its first story' : 'before planning';
  if (position.step === 'plan') return 'while planning the stories';
  return `at story ${position.storyIndex + 1} of ${storiesTotal} (${position.step})`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? 'y' : 'ies'}`;

export const interruptCause = (input: {
  byJobId: string;
  reason: string;
  position: Position;
  storiesTotal: number;
  committed: number;
}): string =>
  truncateMiddle(
    `Interrupted by job ${input.byJobId} ${describePosition(input.position, input.storiesTotal)}; ` +
      `${plural(input.committed, 'stor')} committed before it stopped. ${input.reason}`,
    MAX_CAUSE_BYTES,
  );

export function failureCause(reason: string, detail: string): string {
  const head = reason.trim();
  if (!detail.trim()) return truncateMiddle(head, MAX_CAUSE_BYTES);
  const room = MAX_CAUSE_BYTES - byteLength(head) - 64;
  return `${head}\n\nValidation output:\n${truncateMiddle(detail.trimEnd(), Math.max(512, room))}`;
}

/** The SendTaskSuccess output: the summary, validated, and shrunk (titles first) should it ever be too big. */
export function summaryOutput(summary: JobSummary): string {
  let output = JSON.stringify(jobSummarySchema.parse(summary));
  if (byteLength(output) <= MAX_OUTPUT_BYTES) return output;
  output = JSON.stringify({
    ...summary,
    stories: summary.stories.map((s) => ({ ...s, title: s.title.slice(0, 40) })),
  });
  return output;
}

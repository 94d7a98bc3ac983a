import type { PlannedStory, StoryRecord, ValidationResult } from '../ports.ts';
import { oneLine, truncateMiddle } from '../text.ts';

/** The facts the pull request body and the replies are written from. */
export interface DeliveryView {
  subject: string;
  instruction: string;
  plan: readonly PlannedStory[];
  stories: readonly StoryRecord[];
  branch: string;
  /** The repository URL, or undefined for the worker's own repository. */
  repositoryUrl?: string;
  pullRequestUrl?: string;
}

/** `…/pull/7` → `…/commit/<sha>` (GitHub and the local forge lay pages out alike). */
export const commitUrlOf = (pullRequestUrl: string, sha: string): string =>
  pullRequestUrl.replace(/\/pull\/\d+\/?$/, `/commit/${sha}`);

export function validationSummary(results: readonly ValidationResult[]): string {
  if (results.length === 0) return 'no validation commands';
  const failed = results.filter((result) => !result.passed);
  const names = results.map((result) => `${oneLine(result.name, 40)} ${result.passed ? '✓' : '✗'}`);
  return `${failed.length === 0 ? 'passed' : 'failed'} (${names.join(', ')})`;
}

function storyLine(view: DeliveryView, story: StoryRecord, markdown: boolean): string {
  const title = oneLine(view.plan[story.index]?.title ?? story.title, 120);
  const number = `${story.index + 1}. ${title}`;
  if (!story.commit) return markdown ? `- [ ] ${number}` : `  ${number} — ${story.status}`;
  const short = story.commit.slice(0, 12);
  const link =
    view.pullRequestUrl && markdown
      ? `[\`${short}\`](${commitUrlOf(view.pullRequestUrl, story.commit)})`
      : short;
  const validation = story.resumed ? 'committed by an earlier run' : validationSummary(story.validation);
  return markdown ? `- [x] ${number} — ${link} — ${validation}` : `  ${number} — ${link} — ${validation}`;
}

const quote = (text: string): string =>
  truncateMiddle(text.trim(), 16 * 1024)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

/** The pull request body: the plan as a checklist, commits and validation per story, the spec quoted. */
export function pullRequestBody(view: DeliveryView, status: string): string {
  return [
    `Work from the email "${oneLine(view.subject, 200)}", delivered story by story by intake.`,
    '',
    `**Status:** ${status}`,
    '',
    '### Plan',
    ...view.stories.map((story) => storyLine(view, story, true)),
    '',
    '### Spec',
    quote(view.instruction),
    '',
    'Reply to the email thread to change course: the next round continues on this branch and this pull request.',
  ].join('\n');
}

export const pullRequestTitle = (subject: string): string => oneLine(subject, 200) || 'Work from intake';

function whereItLands(view: DeliveryView): string[] {
  if (!view.repositoryUrl)
    return [
      `Branch: ${view.branch} (no repository is configured for this project: the work stays in the worker's own repository; set one with "intake projects add --repo").`,
    ];
  return [
    `Branch: ${view.branch} on ${view.repositoryUrl}`,
    view.pullRequestUrl
      ? `Pull request: ${view.pullRequestUrl}`
      : 'Pull request: none yet (a draft opens with the first pushed story).',
  ];
}

/** The acknowledgement, sent when the plan is known. */
export function acknowledgementText(view: DeliveryView): string {
  return [
    `Got it: ${view.plan.length} ${view.plan.length === 1 ? 'story' : 'stories'} planned.`,
    '',
    ...view.plan.map((story, index) => `  ${index + 1}. ${oneLine(story.title, 120)}`),
    '',
    ...whereItLands(view),
    '',
    'Reply to this email to change course.',
  ].join('\n');
}

/** Lines the final reply adds: where the work is, and each story's commit and validation. */
export function deliveryNotes(view: DeliveryView): string[] {
  return [
    ...whereItLands(view),
    ...(view.stories.length > 0
      ? ['', 'Stories:', ...view.stories.map((story) => storyLine(view, story, false))]
      : []),
  ];
}

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CliContext } from './cli-context.ts';

interface StoryRow {
  index: number;
  title: string;
  status: string;
  attempts?: number;
  commit?: string;
}

/**
 * Reports the worker's per-story progress from the jobs table: each call returns one line per story
 * whose status changed since the last call ("story 2/3 committed …").
 */
export function storyProgress(
  context: CliContext,
  projectId: string,
  jobId: string,
): () => Promise<string[]> {
  const seen = new Map<number, string>();
  return async () => {
    const { Item } = await context.clients.documents.send(
      new GetCommand({ TableName: context.config.jobsTable, Key: { pk: projectId, sk: jobId } }),
    );
    const stories = (Item?.stories ?? []) as StoryRow[];
    const lines: string[] = [];
    for (const story of stories) {
      const state = `${story.status}:${story.attempts ?? 0}`;
      if (seen.get(story.index) === state || story.status === 'pending') continue;
      seen.set(story.index, state);
      const commit = story.commit ? ` ${story.commit.slice(0, 12)}` : '';
      const attempts = (story.attempts ?? 0) > 1 ? ` (attempt ${story.attempts})` : '';
      lines.push(
        `   story ${story.index + 1}/${stories.length} ${story.status}${attempts}: ${story.title}${commit}`,
      );
    }
    return lines;
  };
}

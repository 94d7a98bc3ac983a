import type { PlannedStory } from '../ports.ts';

export const MAX_STORIES = 25;
const ITEM = /^\s*(?:[-*•+]|\d{1,3}[.)])\s+(\S.*?)\s*$/;
const DIRECTIVE = /\[offline:[a-z-]+(?:=\d+)?\]/g;

/**
 * Stories from an instruction's bullet points or numbered lines (with their continuation lines), or
 * else its paragraphs, in order. Deterministic: the same text always gives the same plan.
 */
export function planFromText(instruction: string, maxStories = MAX_STORIES): PlannedStory[] {
  const lines = instruction.replace(/\r\n?/g, '\n').split('\n');
  const items = collectItems(lines);
  const bodies = items.length > 0 ? items : paragraphs(instruction);
  const stories = bodies.map(toStory).filter((story) => story.title !== '');
  if (stories.length === 0)
    return [{ title: 'Record the request', description: instruction.trim() || '(empty)' }];
  return stories.slice(0, maxStories);
}

function collectItems(lines: string[]): string[] {
  const items: string[][] = [];
  let open = false;
  for (const line of lines) {
    const match = ITEM.exec(line);
    if (match?.[1]) {
      items.push([match[1]]);
      open = true;
    } else if (open && line.trim() !== '') {
      items[items.length - 1]?.push(line.trim());
    } else {
      open = false;
    }
  }
  return items.map((item) => item.join('\n'));
}

const paragraphs = (text: string): string[] =>
  text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);

function toStory(body: string): PlannedStory {
  const firstLine = (body.split('\n')[0] ?? '').replace(DIRECTIVE, '').trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(firstLine)?.[1] ?? firstLine;
  const title = sentence.replace(/[.!?]+$/, '').trim();
  return { title: title.length > 72 ? `${title.slice(0, 71).trimEnd()}…` : title, description: body.trim() };
}

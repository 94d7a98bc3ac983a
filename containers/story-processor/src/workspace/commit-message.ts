/**
 * User text (a spec paragraph, a story's description) as the body of a commit message, quoted so
 * that git never reads it as trailers: every line starts with `> ` (blank lines become `>`), so the
 * body is one paragraph with no `Token: value` line, and the system's `--trailer`s always start a
 * paragraph of their own. A spec made of `Signed-off-by:` or `Intake-Job:` lines stays text.
 */
export function quotedCommitBody(text: string): string {
  const trimmed = text.replace(/\r\n?/g, '\n').trim();
  if (trimmed === '') return '';
  return trimmed
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
    .join('\n');
}

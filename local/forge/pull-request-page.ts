import type { StoredPullRequest } from './pull-request-store.ts';

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A plain page for a local pull request: its state, its body as text, its comments. */
export function pullRequestPage(fullName: string, pull: StoredPullRequest | undefined): string {
  if (!pull)
    return `<!doctype html><title>Not found</title><p>No such pull request in ${escape(fullName)}.</p>`;
  const state = pull.state === 'closed' ? 'closed' : pull.draft ? 'draft' : 'ready for review';
  return [
    '<!doctype html><meta charset="utf-8">',
    `<title>${escape(pull.title)} · ${escape(fullName)}#${pull.number}</title>`,
    '<style>body{font:15px system-ui;max-width:60rem;margin:2rem auto}pre{white-space:pre-wrap;background:#f6f8fa;padding:1rem}</style>',
    `<h1>${escape(pull.title)} <small>#${pull.number}</small></h1>`,
    `<p><b class="state">${state}</b> · ${escape(pull.head)} → ${escape(pull.base)} · ${escape(fullName)}</p>`,
    `<pre class="body">${escape(pull.body)}</pre>`,
    ...pull.comments.map((comment) => `<pre class="comment">${escape(comment.body)}</pre>`),
  ].join('\n');
}

import { convert } from 'html-to-text';

/** HTML longer than this is cut before conversion (html-to-text would cut it too, and say so on stderr). */
export const MAX_HTML_LENGTH = 10_000_000;
/** Elements nested deeper than this are left out rather than walked. */
const MAX_HTML_DEPTH = 1000;

/**
 * The text of an HTML body, for mail that has no text part: paragraphs and list items on lines of
 * their own, scripts, styles and the head dropped, lines as long as the author wrote them, images
 * left out (a `data:` source can be megabytes of base64).
 */
export function textOfHtml(html: string): string {
  return convert(html.slice(0, MAX_HTML_LENGTH), {
    wordwrap: false,
    limits: { maxDepth: MAX_HTML_DEPTH, maxInputLength: MAX_HTML_LENGTH },
    selectors: [{ selector: 'img', format: 'skip' }],
  });
}

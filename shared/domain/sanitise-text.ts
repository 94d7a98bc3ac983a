/** C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidirectional embedding, override and isolate controls (U+202A–202E, U+2066–2069), marks and BOM. */
const BIDI_AND_INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/g;

export const DEFAULT_MAX_SUBJECT_LENGTH = 200;

/**
 * A subject safe to log, store and reuse in a reply: decoded text on one line, control and bidi
 * characters gone, whitespace collapsed, at most `maxLength` characters (code points).
 */
export function sanitiseSubject(subject: string, maxLength = DEFAULT_MAX_SUBJECT_LENGTH): string {
  const oneLine = subject
    .normalize('NFC')
    .replace(CONTROL, ' ')
    .replace(BIDI_AND_INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(oneLine);
  return chars.length <= maxLength ? oneLine : chars.slice(0, Math.max(0, maxLength)).join('').trimEnd();
}

/** Body text with LF line ends and without NULs or other control characters (tabs and newlines kept). */
export function cleanBodyText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex -- as above
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
  );
}

/** Whether a string is only control characters and whitespace. */
export function isBlank(text: string): boolean {
  return text.replace(CONTROL, '').trim() === '';
}

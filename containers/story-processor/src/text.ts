const encoder = new TextEncoder();

export const byteLength = (text: string): number => encoder.encode(text).length;

/**
 * At most `maxBytes` UTF-8 bytes, keeping the start and the end (where compilers and test runners put
 * the summary) and saying how much was cut.
 */
export function truncateMiddle(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  const marker = '\n… [truncated] …\n';
  const budget = Math.max(0, maxBytes - byteLength(marker) - 16);
  const head = sliceBytes(text, Math.floor(budget / 3));
  const tail = sliceBytesFromEnd(text, budget - byteLength(head));
  return `${head}${marker}${tail}`;
}

function sliceBytes(text: string, maxBytes: number): string {
  let used = 0;
  let out = '';
  for (const char of text) {
    used += byteLength(char);
    if (used > maxBytes) break;
    out += char;
  }
  return out;
}

function sliceBytesFromEnd(text: string, maxBytes: number): string {
  const chars = Array.from(text);
  let used = 0;
  let start = chars.length;
  while (start > 0) {
    const size = byteLength(chars[start - 1] ?? '');
    if (used + size > maxBytes) break;
    used += size;
    start -= 1;
  }
  return chars.slice(start).join('');
}

/** Replaces every known secret value (at least 8 characters long) with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out;
}

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]+/g;

export const oneLine = (text: string, maxChars: number): string => {
  const flat = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
};

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/g;
const RESERVED_ON_WINDOWS = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;
export const MAX_ATTACHMENT_NAME_LENGTH = 100;

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'text/calendar': 'ics',
  'text/csv': 'csv',
  'application/pdf': 'pdf',
  'application/json': 'json',
  'application/zip': 'zip',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'message/rfc822': 'eml',
};

/**
 * A file name that is safe to show and to use as the last part of a path or key: no directories, no
 * control, bidi-override or invisible characters (so `invoice\u202Efdp.exe` cannot pose as a PDF), no
 * leading dots, nothing Windows reserves, at most 100 characters with the extension kept. Falls back to
 * `attachment-{n}.{ext}` when nothing usable is left.
 */
export function sanitiseAttachmentName(name: string | undefined, index: number, contentType: string): string {
  const fallback = `attachment-${index + 1}.${EXTENSIONS[contentType] ?? 'bin'}`;
  if (name === undefined) return fallback;
  const base = name.normalize('NFC').replace(UNSAFE, '').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (cleaned === '' || RESERVED_ON_WINDOWS.test(cleaned)) return fallback;
  return truncateKeepingExtension(cleaned, MAX_ATTACHMENT_NAME_LENGTH);
}

/** Makes names unique within one email (`spec.md`, `spec-2.md`), case-insensitively. */
export function uniqueNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) {
      const dot = name.lastIndexOf('.');
      candidate = dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
    }
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

/** A lower-case `type/subtype`, or application/octet-stream when the declared type is malformed. */
export function sanitiseContentType(contentType: string | undefined): string {
  const type = (contentType ?? '').trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(type)
    ? type
    : 'application/octet-stream';
}

function truncateKeepingExtension(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keep = extension.length > 0 && extension.length <= 16 ? extension : [];
  return chars.slice(0, max - keep.length).join('') + keep.join('');
}

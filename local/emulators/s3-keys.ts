const MAX_DECODINGS = 4;

/**
 * Why a key (or key-like value) would not stay inside its bucket's folder on disk: a `.` or `..`
 * segment — also once or more percent-decoded, as a later reader might decode it again — a NUL,
 * or a backslash (a separator on Windows). Keys that start with `/` stay inside (joined, not
 * resolved) and are allowed, as S3 allows them.
 */
export function unsafeKeyReason(key: string): string | undefined {
  let text = key;
  for (let round = 0; round < MAX_DECODINGS; round++) {
    if (text.includes('\0')) return 'contains a NUL character';
    if (text.includes('\\')) return 'contains a backslash';
    if (text.split('/').some((segment) => segment === '..' || segment === '.')) {
      return round === 0
        ? 'has a "." or ".." path segment'
        : 'has a "." or ".." segment once percent-decoded';
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return undefined;
    }
    if (decoded === text) return undefined;
    text = decoded;
  }
  return 'is percent-encoded too many times';
}

/** One header field as it appears in the raw message, in order, folded lines joined. */
export interface RawHeader {
  /** Lower-cased field name. */
  name: string;
  /** The unfolded value, decoded as Latin-1 (byte for byte), leading whitespace trimmed. */
  value: string;
  /** Byte offset of the field's first line and of the line after its last one. */
  start: number;
  end: number;
}

export interface HeaderBlock {
  headers: RawHeader[];
  /** Byte offset where the body starts (after the blank line), or the input length. */
  bodyStart: number;
}

const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
const FIELD = /^([!-9;-~]+)[ \t]*:(.*)$/s;

/**
 * Reads the raw header block in order, with the byte offsets of each field: trusting SES's verdicts
 * needs the original order (only the topmost fields are SES's own), and a derived Message-ID hashes
 * the bytes below SES's block.
 */
export function readHeaderBlock(raw: Uint8Array, maxBytes = DEFAULT_MAX_HEADER_BYTES): HeaderBlock {
  const limit = Math.min(raw.length, maxBytes);
  const headers: RawHeader[] = [];
  let current: RawHeader | undefined;
  let pos = 0;
  while (pos < limit) {
    let eol = pos;
    while (eol < limit && raw[eol] !== 0x0a) eol++;
    const next = eol < limit ? eol + 1 : eol;
    let line = Buffer.from(raw.subarray(pos, eol)).toString('latin1');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') return { headers, bodyStart: next };
    if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
      current.value += ` ${line.trim()}`;
      current.end = next;
    } else {
      const match = FIELD.exec(line);
      if (!match) return { headers, bodyStart: pos };
      current = {
        name: (match[1] ?? '').toLowerCase(),
        value: (match[2] ?? '').trim(),
        start: pos,
        end: next,
      };
      headers.push(current);
    }
    pos = next;
  }
  return { headers, bodyStart: pos };
}

/** The first header with this name, if any. */
export function firstHeader(headers: readonly RawHeader[], name: string): RawHeader | undefined {
  return headers.find((header) => header.name === name);
}

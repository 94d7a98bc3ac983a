/**
 * The header side of a plain-text message (RFC 5322, RFC 2047): values of one line, words that are
 * not ASCII as UTF-8 encoded-words, lines folded at spaces. The body is libqp's (compose-reply.ts).
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A display name that needs no quoting (RFC 5322 atext and spaces). */
const PLAIN_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
/** UTF-8 bytes per encoded-word: 52 base64 characters, 64 with the wrapper, 73 after "Subject: ". */
const ENCODED_WORD_BYTES = 39;
const FOLD_AT = 78;

/** A header value must be one line: a CR or LF in it would start a header of the caller's choosing. */
const oneLine = (value: string): string => {
  if (/[\r\n]/.test(value)) throw new TypeError('a header value must not contain CR or LF');
  return value;
};

/** Text as it may stand in a header: as is when printable ASCII, else UTF-8 `B` encoded-words. */
export function encodeWords(text: string): string {
  if (PRINTABLE_ASCII.test(oneLine(text))) return text;
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > ENCODED_WORD_BYTES && chunk) {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word).toString('base64')}?=`).join(' ');
}

/** `name <address>`: the name plain, quoted or encoded as it needs; the address must be bare. */
export function mailbox(address: string, name = ''): string {
  if (!/^[^\s<>()",;:\\[\]@]+@[^\s<>()",;:\\[\]@]+$/.test(address))
    throw new TypeError('a mailbox address must be bare');
  if (!name) return address;
  const phrase = PLAIN_PHRASE.test(name)
    ? name
    : PRINTABLE_ASCII.test(oneLine(name))
      ? `"${name.replace(/["\\]/g, '\\$&')}"`
      : encodeWords(name);
  return `${phrase} <${address}>`;
}

/** `Name: value` folded at spaces so that lines stay within 78 characters where words allow. */
export function headerLine(name: string, value: string): string {
  if (!/^[!-9;-~]+$/.test(name)) throw new TypeError(`not a header name: ${name}`);
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of oneLine(value).split(' ')) {
    if (line.length + 1 + word.length > FOLD_AT && line.trim() !== `${name}:`) {
      lines.push(line);
      line = '';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\r\n');
}

/** RFC 5322 date-time in UTC: `Tue, 04 Mar 2025 09:15:27 +0000`. */
export const headerDate = (date: Date): string => date.toUTCString().replace(/GMT$/, '+0000');

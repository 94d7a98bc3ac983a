import { windows1252toString } from '@exodus/bytes/single-byte.js';

/** The characters windows-1252 gives the bytes 0x80–0x9F (five of them stay C1 controls). */
const HIGH_PUNCTUATION = windows1252toString(Uint8Array.from({ length: 32 }, (_, index) => 0x80 + index));
const C1_CONTROL = /[\u0080-\u009f]/g;

/**
 * Decoded mail text with every C1 control character read as the windows-1252 character of the same
 * byte (`€`, `–`, `“`…). Node 20.18.3+ and 22.13+ decode `windows-1252` — and with it the labels the
 * Encoding Standard maps onto it: `iso-8859-1`, `latin1`, `us-ascii` — as Latin-1, which turns those
 * bytes into C1 controls (nodejs/node#60888); mail labelled `iso-8859-1` but written in windows-1252
 * carries the same bytes. No mail means a C1 control, so this is right for both, and gives the same
 * text on a runtime that decodes windows-1252 correctly.
 */
export function readC1AsWindows1252(text: string): string {
  return text.replace(C1_CONTROL, (char) => HIGH_PUNCTUATION.charAt(char.charCodeAt(0) - 0x80));
}

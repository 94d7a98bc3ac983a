/** A bare mail address split at its last `@`, both parts lower-cased. */
export interface AddressParts {
  local: string;
  domain: string;
}

// Deliberately narrow: a bare address with no display name, quotes, brackets or whitespace.
const BARE_ADDRESS = /^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+$/;

/** Splits a bare address; undefined for anything else (display names, groups, garbage). */
export function splitAddress(address: string): AddressParts | undefined {
  const trimmed = address.trim();
  if (!BARE_ADDRESS.test(trimmed)) return undefined;
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at).toLowerCase();
  const domain = trimmed
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  if (local === '' || domain === '') return undefined;
  return { local, domain };
}

/** The lower-cased bare address, or undefined when it is not one. */
export function normaliseAddress(address: string): string | undefined {
  const parts = splitAddress(address);
  return parts ? `${parts.local}@${parts.domain}` : undefined;
}

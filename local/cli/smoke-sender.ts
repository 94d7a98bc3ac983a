/** The address the smoke test sends from (bin/smoke.ts): on the mail domain, so replies come back. */
export const smokeSender = (mailDomain: string): string => `smoke@${mailDomain}`;

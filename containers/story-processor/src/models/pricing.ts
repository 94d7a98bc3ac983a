/**
 * Estimated prices in US dollars per million tokens, by model family, from Anthropic's published list
 * prices (input, output; prompt-cache writes at 1.25× input for the 5-minute cache, reads at 0.1×).
 * An id is priced by the first entry whose prefix it starts with; an unknown family is priced like
 * Opus so that a budget errs on the safe side. Figures are estimates: the invoice is the truth.
 */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const price = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheWrite: input * 1.25,
  cacheRead: input * 0.1,
});

export const PRICE_TABLE: ReadonlyArray<readonly [prefix: string, price: ModelPrice]> = [
  ['claude-opus-4-0', price(15, 75)],
  ['claude-opus-4-1', price(15, 75)],
  ['claude-opus', price(5, 25)],
  ['claude-sonnet', price(3, 15)],
  ['claude-haiku-3', price(0.25, 1.25)],
  ['claude-haiku', price(1, 5)],
  ['claude-test', price(3, 15)],
];
const UNKNOWN_FAMILY = price(5, 25);

export const priceOf = (model: string): ModelPrice =>
  PRICE_TABLE.find(([prefix]) => model.startsWith(prefix))?.[1] ?? UNKNOWN_FAMILY;

/** Renders rows as an aligned plain-text table; every cell is one line, control characters removed. */
export function table(headers: string[], rows: (string | number | undefined | null)[][]): string {
  const clean = (value: string | number | undefined | null) =>
    String(value ?? '')
      .replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]+/gu, ' ')
      .slice(0, 80);
  const cells = [headers, ...rows.map((row) => row.map(clean))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Prints JSON for scripts or a table for people. */
export function output(json: boolean, value: unknown, render: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : render());
}

export const isoOrEmpty = (date: Date | undefined): string =>
  date ? date.toISOString().replace('.000Z', 'Z') : '';

export function durationOf(start: Date | undefined, stop: Date | undefined): string {
  if (!start) return '';
  const ms = (stop ?? new Date()).getTime() - start.getTime();
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Percentile by nearest rank over a copy of the samples (ms). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export interface BenchRow {
  benchmark: string;
  metric: string;
  value: string;
  /** What to compare with: a target, a seed figure from AWS, another tool on the same call. */
  anchor?: string;
  /** How our figure compares with the anchor (e.g. "3.2× faster", "1.4× the floor"). */
  ratio?: string;
}

/** "4.0× faster" when ours is below the anchor, "2.5× slower" above it. */
export const speedRatio = (ours: number, anchor: number): string =>
  !Number.isFinite(ours) || !Number.isFinite(anchor) || ours <= 0 || anchor <= 0
    ? ''
    : ours <= anchor
      ? `${(anchor / ours).toFixed(1)}× faster`
      : `${(ours / anchor).toFixed(1)}× slower`;

/** Prints rows as a table a person can compare between runs. */
export function printTable(rows: readonly BenchRow[]): void {
  const headers = ['benchmark', 'metric', 'value', 'anchor', 'ratio'] as const;
  const widths = headers.map((header) =>
    Math.max(header.length, ...rows.map((row) => (row[header] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join(' | ')
      .trimEnd();
  console.log(line(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('-|-'));
  for (const row of rows)
    console.log(line([row.benchmark, row.metric, row.value, row.anchor ?? '', row.ratio ?? '']));
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

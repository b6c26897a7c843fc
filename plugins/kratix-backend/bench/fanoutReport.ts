/** What one fan-out run measured: the watchers' delivery and the writer's pace. */
export interface FanoutRun {
  watchers: number;
  p50: number;
  p99: number;
  /** Writes per second the writer kept up while the watchers followed. */
  perS: number;
  totalMs: number;
  peakRssMb: number;
}

export function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** The table both watch benchmarks print: baseline, fan-out, their ratio. */
export function fanoutTable(
  title: string,
  rate: string,
  baseline: FanoutRun,
  fanout: FanoutRun,
): string {
  const row = (r: FanoutRun) =>
    `| ${r.watchers} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(
      1,
    )} | ${r.perS.toFixed(0)} | ${(r.totalMs / 1000).toFixed(
      1,
    )} | ${r.peakRssMb.toFixed(0)} |`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  return [
    title,
    `| watchers | p50 ms | p99 ms | ${rate} | total s | peak RSS MB |`,
    '|---|---|---|---|---|---|',
    row(baseline),
    row(fanout),
    `ratio (fan-out / baseline): p50 ${ratio(
      fanout.p50,
      baseline.p50,
    )}, p99 ${ratio(fanout.p99, baseline.p99)}, ${rate} ${ratio(
      fanout.perS,
      baseline.perS,
    )}`,
  ].join('\n');
}

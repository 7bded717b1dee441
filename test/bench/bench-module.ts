/**
 * The contract every benchmark module implements, so `run.ts` can run them all (or the ones named on
 * the command line), print one table and write `bench-results/<name>.json`. Other areas add their
 * own modules (REST, MQTT, …) to `modules.ts`.
 */

/** One measured figure. */
export interface BenchMetric {
  name: string;
  value: number;
  unit: string;
  /** The goal, when there is one, and whether the value meets it. */
  goal?: { op: '>=' | '<='; value: number };
}

/** Options every module receives. */
export interface BenchOptions {
  /** A short run (seconds instead of a minute) for smoke-testing the benchmark itself. */
  quick: boolean;
  /** Progress output (stderr). */
  log: (message: string) => void;
}

/** A benchmark module. */
export interface BenchModule {
  /** Short name; also the JSON file name. */
  name: string;
  description: string;
  run(options: BenchOptions): Promise<BenchMetric[]>;
}

/** True when `metric` meets its goal (or has none). */
export function meetsGoal(metric: BenchMetric): boolean {
  if (metric.goal === undefined) return true;
  return metric.goal.op === '>=' ? metric.value >= metric.goal.value : metric.value <= metric.goal.value;
}

/** The p-th percentile (0..100) of `values`, or NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

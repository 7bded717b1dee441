/**
 * `npm run bench [-- --quick] [module…]`: runs the benchmark modules, prints a table and writes
 * `bench-results/<module>.json`. Timing goals live here, never in tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { meetsGoal } from './bench-module.ts';
import type { BenchMetric } from './bench-module.ts';
import { BENCH_MODULES } from './modules.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
const selected = BENCH_MODULES.filter((m) => names.length === 0 || names.includes(m.name));
if (selected.length === 0) {
  console.error(
    `no benchmark named ${names.join(', ')}; known: ${BENCH_MODULES.map((m) => m.name).join(', ')}`,
  );
  process.exit(2);
}

const rows: { module: string; metric: BenchMetric }[] = [];
let failed = false;
for (const module of selected) {
  console.error(`== ${module.name}: ${module.description}${quick ? ' (quick)' : ''}`);
  try {
    const metrics = await module.run({ quick, log: (m) => console.error(`   ${m}`) });
    for (const metric of metrics) rows.push({ module: module.name, metric });
    await mkdir('bench-results', { recursive: true });
    await writeFile(
      `bench-results/${module.name}.json`,
      `${JSON.stringify({ module: module.name, quick, date: new Date().toISOString(), metrics }, null, 2)}\n`,
    );
  } catch (err: unknown) {
    failed = true;
    console.error(`   failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

const format = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const table = rows.map(({ module, metric }) => ({
  module,
  metric: metric.name,
  value: `${format(metric.value)} ${metric.unit}`,
  goal: metric.goal ? `${metric.goal.op} ${format(metric.goal.value)} ${metric.unit}` : '',
  ok: metric.goal ? (meetsGoal(metric) ? 'yes' : 'NO') : '',
}));
const widths = Object.keys(table[0] ?? { module: '' }).map((k) =>
  Math.max(k.length, ...table.map((r) => String(r[k as keyof typeof r]).length)),
);
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
if (table.length > 0) {
  console.log(line(Object.keys(table[0] as object)));
  for (const r of table) console.log(line(Object.values(r)));
}
process.exitCode = failed ? 1 : 0;

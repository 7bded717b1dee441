/**
 * deploy/grafana/maestro-dashboard.json queries only series Maestro exports: every metric name in its
 * PromQL is registered by the server's or the agent's metrics module.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAgentMetrics } from '../../../src/agent/metrics.ts';
import { createServerMetrics } from '../../../src/server/metrics/index.ts';
import { DEPLOY_DIR } from './deploy-files.ts';

interface Target {
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query: string }; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(join(DEPLOY_DIR, 'grafana', 'maestro-dashboard.json'), 'utf8')) as Dashboard;

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'group',
  'rate', 'irate', 'increase', 'delta', 'deriv', 'histogram_quantile', 'clamp_min', 'clamp_max',
  'abs', 'time', 'vector', 'scalar', 'absent', 'label_values', 'max_over_time', 'min_over_time',
  'avg_over_time', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool',
]);

/**
 * Metric names in a PromQL expression: drop strings, label matchers, range selectors and grouping
 * clauses, then every remaining identifier that is not a PromQL function or keyword.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    // Grafana's label_values(metric, label): only the first argument is a series.
    .replace(/label_values\(\s*([^,)]+)(?:,[^)]*)?\)/g, ' $1 ')
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names = [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]);
  return names.filter((name) => !PROMQL_WORDS.has(name));
}

/** The series names a registry exports, histograms with their `_bucket`, `_sum` and `_count` series. */
async function exportedSeries(): Promise<Set<string>> {
  const registries = [createServerMetrics().registry, createAgentMetrics().registry];
  const series = new Set<string>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      series.add(metric.name);
      if (String(metric.type) === 'histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) series.add(metric.name + suffix);
      }
    }
  }
  return series;
}

const expressions = (): { where: string; expr: string }[] => [
  ...allPanels(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel '${p.title}'`, expr: t.expr ?? '' })),
  ),
  ...dashboard.templating.list.flatMap((v) => {
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    return query && query.includes('(') ? [{ where: `variable '${v.name}'`, expr: query }] : [];
  }),
];

describe('grafana dashboard', () => {
  it('finds metric names in PromQL', () => {
    assert.deepEqual(
      metricNamesIn('histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="y",z=~"$ns"}[$__rate_interval]))) / on (pod) b'),
      ['a_bucket', 'b'],
    );
    assert.deepEqual(metricNamesIn('label_values(up{job="x"}, namespace)'), ['up']);
  });

  it('queries only metrics the server or the agent exports', async () => {
    const series = await exportedSeries();
    const exprs = expressions();
    assert.ok(exprs.length > 20, 'the dashboard has queries');
    for (const { where, expr } of exprs) {
      const names = metricNamesIn(expr);
      assert.ok(names.length > 0, `${where}: '${expr}' names a metric`);
      for (const name of names) assert.ok(series.has(name), `${where}: '${name}' is not exported by maestro`);
    }
  });

  it('covers traffic, agents, outbox, undelivered age, status latency and memory', () => {
    const used = new Set(expressions().flatMap((e) => metricNamesIn(e.expr)));
    for (const name of [
      'rest_api_inbound_request_count',
      'rest_api_inbound_request_duration_bucket',
      'grpc_server_processed_total',
      'grpc_server_processed_duration_seconds_bucket',
      'maestro_connected_agents',
      'maestro_outbox_depth',
      'spec_controller_event_oldest_unreconciled_age_seconds',
      'resource_status_event_processing_latency_seconds_bucket',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(used.has(name), `no panel shows ${name}`);
    }
  });

  it('has unique panel ids and a datasource variable', () => {
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource'));
    assert.equal(dashboard.uid, 'maestro-ts');
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  METRICS,
  METRICS_NAMESPACE,
  POWERTOOLS_SERVICE_NAME,
  SERVICE_DIMENSION,
  metricNamed,
  type MetricContract,
} from '#contracts/metrics.ts';
import { synthIntake, type JsonObject } from './synth.ts';

/**
 * The metrics contract against both sides: the metrics the synthesized dashboard and alarms read,
 * and the code that publishes them. A metric renamed on one side only, a widget on a metric nobody
 * publishes, or a published metric nobody reads (and that does not say why) fails here.
 */
const { template } = synthIntake({ env: 'prod' });
const resources = Object.values(
  template.toJSON().Resources as Record<string, { Type: string; Properties: JsonObject }>,
);

interface ReadMetric {
  where: string;
  name: string;
  dimensions: Record<string, string>;
}

const alarmMetrics = (): ReadMetric[] =>
  resources
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap((alarm) => {
      const p = alarm.Properties as {
        AlarmName?: unknown;
        Namespace?: string;
        MetricName?: string;
        Dimensions?: { Name: string; Value: unknown }[];
        Metrics?: {
          MetricStat?: {
            Metric: {
              Namespace: string;
              MetricName: string;
              Dimensions?: { Name: string; Value: unknown }[];
            };
          };
        }[];
      };
      const where = `alarm ${JSON.stringify(p.AlarmName)}`;
      const dims = (list: { Name: string; Value: unknown }[] = []) =>
        Object.fromEntries(list.map((d) => [d.Name, typeof d.Value === 'string' ? d.Value : 'TOKEN']));
      if (p.MetricName)
        return [{ where, namespace: p.Namespace, name: p.MetricName, dimensions: dims(p.Dimensions) }];
      return (p.Metrics ?? []).flatMap((m) =>
        m.MetricStat
          ? [
              {
                where,
                namespace: m.MetricStat.Metric.Namespace,
                name: m.MetricStat.Metric.MetricName,
                dimensions: dims(m.MetricStat.Metric.Dimensions),
              },
            ]
          : [],
      );
    })
    .filter((m) => m.namespace === METRICS_NAMESPACE)
    .map(({ where, name, dimensions }) => ({ where, name, dimensions }));

const dashboardMetrics = (): ReadMetric[] =>
  resources
    .filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')
    .flatMap((dashboard) => {
      const body = dashboard.Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
      const text =
        typeof body === 'string'
          ? body
          : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
      const widgets = (
        JSON.parse(text) as { widgets: { properties: { title?: string; metrics?: unknown[][] } }[] }
      ).widgets;
      return widgets.flatMap((widget) => {
        let previous: unknown[] = [];
        return (widget.properties.metrics ?? []).flatMap((entry) => {
          const fields = entry.filter((field) => typeof field === 'string') as string[];
          if (fields.length === 0) return []; // a math expression; its inputs are entries of their own
          const resolved = fields.map((field, i) => (field === '.' ? (previous[i] as string) : field));
          previous = resolved;
          const [namespace, name, ...pairs] = resolved;
          if (namespace !== METRICS_NAMESPACE || !name) return [];
          const dimensions: Record<string, string> = {};
          for (let i = 0; i + 1 < pairs.length; i += 2)
            dimensions[pairs[i] as string] = pairs[i + 1] as string;
          return [{ where: `widget "${widget.properties.title ?? ''}"`, name, dimensions }];
        });
      });
    });

const read = [...alarmMetrics(), ...dashboardMetrics()];
const expectedDimensions = (metric: MetricContract): string[] =>
  (metric.publishedWith === 'powertools'
    ? [SERVICE_DIMENSION, ...metric.dimensions]
    : [...metric.dimensions]
  ).sort();

/** Source files that publish metrics: the Lambdas and the worker, not the contract itself. */
const emitterSources = (): string => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !full.endsWith(path.join('contracts', 'metrics.ts')))
        files.push(full);
    }
  };
  walk('lambdas');
  walk('shared');
  walk(path.join('containers', 'story-processor', 'src'));
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
};

describe('the metrics contract', () => {
  it('is what the dashboard and the alarms read (and they read something of it)', () => {
    expect(read.length).toBeGreaterThan(10);
    for (const metric of read) {
      const contract = metricNamed(metric.name);
      expect(contract, `${metric.where} reads ${metric.name}, which is not in the contract`).toBeDefined();
      if (!contract) continue;
      expect(Object.keys(metric.dimensions).sort(), `${metric.where}: ${metric.name}'s dimensions`).toEqual(
        expectedDimensions(contract),
      );
      if (contract.publishedWith === 'powertools')
        expect(metric.dimensions[SERVICE_DIMENSION], metric.where).toBe(POWERTOOLS_SERVICE_NAME);
    }
  });

  it('has every published metric read by a widget or an alarm, or says why not', () => {
    const readNames = new Set(read.map((m) => m.name));
    for (const metric of Object.values(METRICS) as MetricContract[]) {
      if (metric.notCharted) {
        expect(readNames.has(metric.name), `${metric.name} is charted now: drop its notCharted`).toBe(false);
        expect(metric.notCharted.length).toBeGreaterThan(30);
      } else {
        expect(
          readNames.has(metric.name),
          `${metric.name} is published but no widget or alarm reads it`,
        ).toBe(true);
      }
    }
  });

  it('has an emitter in the code for every metric', () => {
    const sources = emitterSources();
    const filters = resources.filter((r) => r.Type === 'AWS::Logs::MetricFilter');
    for (const [key, metric] of Object.entries(METRICS) as [string, MetricContract][]) {
      if (metric.publishedWith === 'log-metric-filter') {
        const published = filters.flatMap(
          (f) => f.Properties.MetricTransformations as { MetricName: string; MetricNamespace: string }[],
        );
        expect(published).toContainEqual(
          expect.objectContaining({ MetricName: metric.name, MetricNamespace: METRICS_NAMESPACE }),
        );
        continue;
      }
      expect(sources, `nothing in lambdas/ or the worker publishes METRICS.${key} (${metric.name})`).toMatch(
        new RegExp(`\\bMETRICS\\.${key}\\b`),
      );
    }
  });

  it('names each metric once', () => {
    const names = (Object.values(METRICS) as MetricContract[]).map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsSink } from '../ports.ts';

/** CloudWatch metrics as EMF lines on stdout (the awslogs driver ships them), namespace `Intake`. */
export function createPowertoolsMetrics(serviceName = 'story-processor'): MetricsSink {
  const metrics = new Metrics({ namespace: 'Intake', serviceName });
  return {
    add(name, unit, value, dimensions) {
      const metricUnit = unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds;
      if (!dimensions) {
        metrics.addMetric(name, metricUnit, value);
        return;
      }
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions))
        single.addDimension(key, dimensionValue);
      single.addMetric(name, metricUnit, value);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

export const noMetrics: MetricsSink = { add: () => undefined, flush: () => undefined };

import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME } from '#contracts/metrics';
import type { MetricsSink } from '../ports.ts';

/**
 * CloudWatch metrics as EMF lines on stdout (the awslogs driver ships them), in the contract's
 * namespace and service; each metric with dimensions of its own goes out as a single metric, so its
 * dimensions never spill onto the others.
 */
export function createPowertoolsMetrics(): MetricsSink {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: POWERTOOLS_SERVICE_NAME });
  return {
    add(metric, value, dimensions) {
      if (!dimensions) {
        metrics.addMetric(metric.name, metric.unit, value);
        return;
      }
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions))
        single.addDimension(key, dimensionValue);
      single.addMetric(metric.name, metric.unit, value);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

export const noMetrics: MetricsSink = { add: () => undefined, flush: () => undefined };

import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, type WorkerMetric } from '#contracts/metrics.ts';
import type { MetricsSink } from '../ports.ts';

/**
 * CloudWatch metrics as EMF lines on stdout (the awslogs driver ships them), in the contract's
 * namespace and service; each metric with dimensions of its own goes out as a single metric, so its
 * dimensions never spill onto the others.
 */
export class PowertoolsMetrics implements MetricsSink {
  private readonly metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: POWERTOOLS_SERVICE_NAME,
  });

  add(metric: WorkerMetric, value: number, dimensions?: Record<string, string>): void {
    if (!dimensions) {
      this.metrics.addMetric(metric.name, metric.unit, value);
      return;
    }
    const single = this.metrics.singleMetric();
    for (const [key, dimensionValue] of Object.entries(dimensions)) single.addDimension(key, dimensionValue);
    single.addMetric(metric.name, metric.unit, value);
  }

  flush(): void {
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}

export const noMetrics: MetricsSink = { add: () => undefined, flush: () => undefined };

import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, type LambdaMetric } from '../contracts/metrics.ts';

/** Publishes the Lambdas' metrics of the contract (shared/contracts/metrics.ts). */
export interface LambdaMetrics {
  emit(metric: LambdaMetric, value: number, dimensions?: Record<string, string>): void;
}

/**
 * Powertools Metrics: each metric goes out at once as its own EMF line on stdout (Lambda ships it to
 * CloudWatch Logs, which extracts the metric), with the `service` dimension and its own dimensions,
 * so no handler has to remember to flush and no dimension spills onto another metric.
 */
export const powertoolsLambdaMetrics = (): LambdaMetrics => {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: POWERTOOLS_SERVICE_NAME });
  return {
    emit(metric, value, dimensions = {}) {
      const single = metrics.singleMetric();
      for (const [name, dimensionValue] of Object.entries(dimensions))
        single.addDimension(name, dimensionValue);
      single.addMetric(metric.name, metric.unit, value);
    },
  };
};

/** Where there is no CloudWatch (the local runtime): metrics go nowhere. */
export const noLambdaMetrics: LambdaMetrics = { emit: () => undefined };

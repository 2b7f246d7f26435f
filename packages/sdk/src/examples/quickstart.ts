/* Runnable example quoted in docs/sdk.md (between the region markers); run by examples.test.ts. */
// #region docs
import { Monitoring } from '@pulse/sdk';

const monitoring = new Monitoring({ service: 'api', environment: process.env.NODE_ENV });
await monitoring.startMetricsServer(); // /metrics and /health on METRICS_PORT (9091)

monitoring.trackKPI({ type: 'active_user', data: { userId: 'user123' } });
monitoring.trackKPI({ type: 'token_spend', data: { tokens: 1000, model: 'gpt-4', type: 'completion' } });
monitoring.trackKPI({ type: 'payment_conversion', data: { paymentMethod: 'card', plan: 'premium', amount: 9.99 } });

const jobData = { id: 'job-42' };
const endTimer = monitoring.metrics.startJobTimer('main-queue', 'image-generation');
try {
  await generateImage(jobData);
  monitoring.metrics.trackGenerationSuccess('image');
} catch (error) {
  monitoring.handleError(error, { context: 'additional info' });
  monitoring.metrics.trackGenerationFailure('image', (error as Error).name);
  monitoring.alerts.alertQueueFailure('main-queue', error, jobData);
} finally {
  endTimer();
}

await monitoring.shutdown(); // flushes everything tracked, closes /metrics
// #endregion docs

async function generateImage(job: { id: string }): Promise<void> {
  throw Object.assign(new Error(`no GPU free for ${job.id}`), { name: 'CapacityError' });
}

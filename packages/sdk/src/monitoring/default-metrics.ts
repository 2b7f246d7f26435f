import { createRequire } from 'node:module';
import type { IntervalHistogram, PerformanceObserver as Observer } from 'node:perf_hooks';
import { collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

/** The two `perf_hooks` members prom-client's default metrics start monitors with. */
interface PerfHooks {
  monitorEventLoopDelay: typeof import('node:perf_hooks').monitorEventLoopDelay;
  PerformanceObserver: typeof Observer;
}

// The CommonJS module object: the one prom-client reads these members from, at call time.
const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as PerfHooks;

/**
 * prom-client's default metrics (CPU, memory, handles, event loop lag, GC), with a way to stop them.
 * prom-client 15's `collectDefaultMetrics` starts an event-loop-delay monitor (`monitorEventLoopDelay`)
 * and a GC `PerformanceObserver`, and returns nothing to stop them with: they would keep running after
 * `shutdown()`, one more pair per instance. So the two are caught as prom-client creates them (the call is
 * synchronous: no other code runs while they are swapped), and the returned function disables the monitor
 * and disconnects the observer. Its other metrics only read the process when scraped.
 */
export function startDefaultMetrics(registry: Registry): () => void {
  const monitors: IntervalHistogram[] = [];
  const observers: Observer[] = [];
  const stop = (): void => {
    for (const monitor of monitors.splice(0)) monitor.disable();
    for (const observer of observers.splice(0)) observer.disconnect();
  };
  const { monitorEventLoopDelay, PerformanceObserver } = perfHooks;
  perfHooks.monitorEventLoopDelay = (options) => {
    const monitor = monitorEventLoopDelay(options);
    monitors.push(monitor);
    return monitor;
  };
  perfHooks.PerformanceObserver = class extends PerformanceObserver {
    constructor(callback: ConstructorParameters<typeof Observer>[0]) {
      super(callback);
      observers.push(this);
    }
  };
  try {
    collectDefaultMetrics({ register: registry });
  } catch (err) {
    stop();
    throw err;
  } finally {
    perfHooks.monitorEventLoopDelay = monitorEventLoopDelay;
    perfHooks.PerformanceObserver = PerformanceObserver;
  }
  return stop;
}

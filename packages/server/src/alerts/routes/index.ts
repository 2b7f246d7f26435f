import type { FastifyInstance } from 'fastify';
import type { AlertEngine } from '../engine/engine.js';
import type { AlertStore } from '../store/alert-store.js';
import type { Notifier } from '../types.js';
import { registerAlertListRoutes } from './alerts-routes.js';
import { registerRuleRoutes } from './rules-routes.js';
import { registerSilenceRoutes } from './silences-routes.js';

export interface AlertingRouteParts {
  engine: AlertEngine;
  alertStore: AlertStore;
  notifier: Notifier;
  clock: { now(): number };
}

/** The alert engine's API (CONTRACT §8); `/v1/alert-deliveries` belongs to delivery (alerts/delivery). */
export function registerAlertRoutes(app: FastifyInstance, parts: AlertingRouteParts): void {
  registerRuleRoutes(app, parts);
  registerAlertListRoutes(app, parts);
  registerSilenceRoutes(app, parts);
}

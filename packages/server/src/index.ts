export { startPulse, type RunningPulse, type StartOptions } from './server.js';
export { loadConfig, ConfigError } from './config/load.js';
export type { PulseConfig } from './config/types.js';
export type { EventStore, MetaStore, Row } from './store/types.js';
export { syntheticEvents } from './synthetic/index.js';

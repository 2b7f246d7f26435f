export { PulseClient } from './pulse-client.js';
export { DEFAULT_URL } from './options.js';
export { OTHER_VALUE, CardinalityGuard } from './cardinality.js';
export { SAMPLE_RATE_ATTRIBUTE } from './sampling.js';
export { silentLogger } from './log.js';
export type {
  ClientStats,
  FetchInitLike,
  FetchLike,
  FetchResponseLike,
  PulseClientOptions,
  RejectedEvent,
  SdkLogger,
  SendResult,
} from './types.js';

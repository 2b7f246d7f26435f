/** Request and field limits of CONTRACT.md §4. One place, so the server, SDK and docs agree. */
export const LIMITS = {
  maxEventsPerRequest: 10_000,
  maxRequestBytes: 5 * 1024 * 1024,
  maxAttributes: 32,
  maxPhases: 16,
  maxIdLength: 64,
  maxNameLength: 256,
  maxServiceLength: 128,
  maxDimensionLength: 256,
  maxErrorTypeLength: 256,
  maxErrorMessageLength: 4096,
  maxTextLength: 16_384,
  maxAttributeKeyLength: 64,
  maxAttributeValueLength: 1024,
  maxPhaseNameLength: 64,
  /** Events more than this far in the future are rejected. */
  maxFutureMs: 24 * 60 * 60 * 1000,
} as const;

export const CUSTOM_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

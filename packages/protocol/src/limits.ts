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
  /** Earliest accepted `ts` (2000-01-01T00:00:00Z): earlier values are bogus clocks or epoch seconds. */
  minTsMs: 946_684_800_000,
  /** Token counts are stored as 32-bit integers. */
  maxTokens: 2_147_483_647,
  /** Durations, phases and sentiment are stored as 32-bit floats; larger values cannot be stored. */
  maxFloat32: 3.4028234663852886e38,
  /**
   * Costs and values (stored as doubles) are at most this large in magnitude, so sums over billions of events stay
   * finite: a sum past ~1.8e308 is Infinity, which the answers cannot carry.
   */
  maxAmount: 1e18,
} as const;

export const CUSTOM_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Phase names follow the attribute-key rule, so both can be addressed the same way in queries. */
export const PHASE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

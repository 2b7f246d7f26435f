import { ClickHouseError } from '@clickhouse/client';

/**
 * The server's error code (`Code: 44` → '44'), or undefined when the error is not the server's (unreachable,
 * cut off). An error raised after the server began streaming its answer arrives in the body, as a plain Error
 * whose message still starts with `Code: N`.
 */
export function clickHouseErrorCode(error: unknown): string | undefined {
  if (error instanceof ClickHouseError && error.code !== undefined && error.code !== '') return String(error.code);
  return /^Code: (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
}

import { bodyFingerprint } from '../idempotency.js';

/**
 * The idempotency key of an OTLP export. Exporters send no `Idempotency-Key`, but a retry resends the very same
 * request (the SDKs keep the encoded bytes, the Collector re-encodes the same data), and an export that timed out
 * on the client, or was answered 503 by the commit timeout, may still have been stored. The digest of the
 * decompressed body names the batch; the space keeps these keys apart from any client's `Idempotency-Key`
 * (printable ASCII without spaces, ingest/idempotency.ts).
 */
export function exportKey(body: Buffer): string {
  return `otlp ${bodyFingerprint(body)}`;
}

/** The answer stored with the events under the export key, replayed to a retry. */
export interface ExportAnswer {
  rejectedSpans: number;
  errorMessage: string;
}

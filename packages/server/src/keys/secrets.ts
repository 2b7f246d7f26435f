import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys are 32 random bytes, so a plain SHA-256 is enough to store them safely (a slow hash protects
 * guessable passwords, not random secrets) and keeps the per-request lookup cheap.
 */
export function newSecret(): string {
  return `pulse_${randomBytes(32).toString('base64url')}`;
}

export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison for the admin key. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export const secretPrefix = (secret: string): string => secret.slice(0, 12);

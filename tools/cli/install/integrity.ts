/** SRI sha512 checks (pure). */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha512Integrity(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

export function matchesIntegrity(bytes: Buffer, integrity: string): boolean {
  const want = Buffer.from(integrity);
  const got = Buffer.from(sha512Integrity(bytes));
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Hex digest of an SRI string, for content-addressed file names. */
export function integrityHex(integrity: string): string {
  return Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
}

/** Turns an Authorization header into a caller (or an error), looking the token up in the store. */
import { httpError, ServerError } from '../errors.js';
import type { Freshness, Store, TokenRecord } from '../store/store.js';
import { hashToken, sameHash, TOKEN_RE } from './tokens.js';

export type Caller = { kind: 'anonymous' } | { kind: 'token'; token: TokenRecord };

export const ANONYMOUS: Caller = { kind: 'anonymous' };

/** Extracts a bearer token: `Authorization: Bearer <t>` or `token <t>`; null when absent. */
export function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^(?:Bearer|token)\s+(\S+)\s*$/i.exec(header);
  return m ? (m[1] as string) : '';
}

/** Why a stored token (null: not found) cannot be used at `nowMs`, or null when it can. */
export function tokenProblem(t: TokenRecord | null, nowMs: number): ServerError | null {
  if (!t) return httpError('MDL_TOKEN_INVALID', 'the token is not known to this registry');
  if (t.revokedAt !== null) return httpError('MDL_TOKEN_REVOKED', 'the token was revoked; create a new one');
  if (t.expiresAt !== null && Date.parse(t.expiresAt) <= nowMs) return httpError('MDL_TOKEN_EXPIRED', 'the token has expired; create a new one');
  return null;
}

/**
 * `freshness` `turn` (see Store.tokenByHash): only for a request that passes the group commit
 * next, with the token's hash in its ticket, so the commit re-checks it.
 */
export async function authenticate(store: Store, header: string | undefined, now: Date, freshness: Freshness = 'now'): Promise<Caller> {
  const secret = bearer(header);
  if (secret === null) return ANONYMOUS;
  if (!TOKEN_RE.test(secret)) throw httpError('MDL_TOKEN_INVALID', 'the token is malformed (expected mdl_ followed by 40 letters and digits)');
  const hash = hashToken(secret);
  let t;
  try {
    t = await store.tokenByHash(hash, freshness);
  } catch (e) {
    throw new ServerError('MDL_UNAVAILABLE', 'the token store is not available; try again', { cause: e });
  }
  const problem = tokenProblem(t && sameHash(t.hash, hash) ? t : null, now.getTime());
  if (problem) throw problem;
  return { kind: 'token', token: t as TokenRecord };
}

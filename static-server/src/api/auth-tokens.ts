/**
 * POST/GET /auth/tokens and DELETE /auth/tokens/:id (SRV-3). A token may mint tokens for its
 * own owner with a subset of its scopes; only admin tokens mint admin tokens or tokens for
 * other owners, list everyone's tokens or revoke others'.
 */
import { z } from 'zod';
import { issueToken, normalizeScope, parseExpiry, tokenView } from '../auth/tokens.js';
import { httpError, notFound } from '../errors.js';
import { readJsonBody } from '../http/read-body.js';
import { parseBody, parseQuery } from '../http/query.js';
import type { TokenRecord } from '../store/store.js';
import { ok, type ApiRequest, type ApiResult } from './types.js';

/**
 * Active tokens one owner may have when minting through the API. Each token has its own rate
 * limit and may mint more, so without a cap one token could make rows (and budgets) without end.
 * The host command (`mdlibs-server token create`) is not limited.
 */
export const MAX_ACTIVE_TOKENS = 100;

const createBody = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(z.string().max(65)).max(100).default([]),
  expires_in: z.union([z.string().max(20), z.null()]).optional(),
  admin: z.boolean().default(false),
  owner: z.string().max(39).optional(),
}).strict();

function requireToken(r: ApiRequest): TokenRecord {
  if (r.caller.kind !== 'token') throw httpError('MDL_UNAUTHORIZED', 'send a token: Authorization: Bearer mdl_…');
  return r.caller.token;
}

const DEFAULT_EXPIRY = '90d';

/**
 * The lifetime (ms, or null: never) of a token minted by `me`. A non-admin token may not mint
 * one that outlives it (it could otherwise renew itself without end, and the child would
 * survive the parent's expiry or revocation): a longer `expires_in`, or `null`/`never` from a
 * token that expires, is refused; an omitted `expires_in` is 90 days or the caller's own
 * remaining lifetime, whichever is shorter. Admin tokens are not limited.
 */
function lifetime(me: TokenRecord, requested: string | null | undefined, now: Date): number | null {
  const ms = requested === undefined ? parseExpiry(DEFAULT_EXPIRY) : requested === null ? null : parseExpiry(requested);
  if (me.admin || me.expiresAt === null) return ms;
  const left = Date.parse(me.expiresAt) - now.getTime();
  if (ms !== null && ms <= left) return ms;
  if (requested === undefined) return left;
  throw httpError('MDL_FORBIDDEN', `the new token would expire ${ms === null ? 'never' : `at ${new Date(now.getTime() + ms).toISOString()}`}, after the token creating it (expires at ${me.expiresAt}); a token may not outlive the one creating it: ask for a shorter expires_in (or omit it to get the rest of this token's lifetime), or ask an admin for a longer-lived token`, { field: 'expires_in', expires_at: me.expiresAt });
}

export async function createToken(r: ApiRequest): Promise<ApiResult> {
  const me = requireToken(r);
  const body = parseBody(createBody, await readJsonBody(r.req, r.ctx.config.maxBodyBytes));
  const owner = body.owner ?? me.owner;
  const scopes = body.scopes.map(normalizeScope);
  if (!me.admin) {
    if (owner !== me.owner) throw httpError('MDL_FORBIDDEN', 'only an admin token can create tokens for another owner');
    if (body.admin) throw httpError('MDL_FORBIDDEN', 'only an admin token can create admin tokens');
    const extra = scopes.filter((s) => !me.scopes.includes(s));
    if (extra.length) throw httpError('MDL_FORBIDDEN', 'a token can only grant scopes it holds itself', { scopes: extra.map((s) => `@${s}`) });
  }
  const at = new Date();
  const expiresIn = lifetime(me, body.expires_in, at);
  // The cap is counted and the token inserted in one store transaction: a count here and an
  // insert later let every request of one event-loop turn pass the check before any inserted.
  const { secret, token } = await issueToken(r.ctx.store, { owner, name: body.name, scopes, admin: body.admin, expiresIn, now: at, maxActive: MAX_ACTIVE_TOKENS });
  r.ctx.audit({ event: 'token.created', actor: me.owner, target: token.id, ip: r.ip, details: { owner, scopes: token.scopes, admin: token.admin, via: 'api' } });
  return ok({ token: secret, ...tokenView(token) }, 201);
}

/**
 * `owner`: whose tokens (admins only for another owner). `include=inactive`: expired and revoked
 * tokens too (until the store deletes them, `tokenRetentionDays` later); by default only active ones.
 */
const listQuery = z.object({
  owner: z.string().optional(),
  include: z.enum(['inactive']).optional(),
});

export async function listTokens(r: ApiRequest): Promise<ApiResult> {
  const me = requireToken(r);
  const q = parseQuery(listQuery, r.query);
  const want = q.owner ?? null;
  if (want !== null && want !== me.owner && !me.admin) throw httpError('MDL_FORBIDDEN', 'only an admin token can list other owners\' tokens');
  const owner = me.admin ? want : me.owner;
  const now = new Date();
  const tokens = await r.ctx.store.listTokens(owner, q.include === 'inactive' ? undefined : now.toISOString());
  return ok({ tokens: tokens.map((t) => tokenView(t, now)) });
}

export async function revokeToken(r: ApiRequest, id: string): Promise<ApiResult> {
  const me = requireToken(r);
  const t = await r.ctx.store.tokenById(id);
  if (!t || (t.owner !== me.owner && !me.admin)) throw notFound();
  if (t.revokedAt === null) await r.ctx.store.revokeToken(id, new Date().toISOString());
  r.ctx.audit({ event: 'token.revoked', actor: me.owner, target: id, ip: r.ip, details: { owner: t.owner, via: 'api' } });
  return { status: 204 };
}

export async function auditLog(r: ApiRequest): Promise<ApiResult> {
  const me = requireToken(r);
  if (!me.admin) throw httpError('MDL_FORBIDDEN', 'the audit log needs an admin token');
  return ok({ events: await r.ctx.store.auditEvents(200) });
}

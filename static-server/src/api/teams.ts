/** GET /teams, /teams/:name, /teams/:name/members, /users/me (SRV-2); private teams only for readers. */
import { normalizeScope, tokenView } from '../auth/tokens.js';
import { httpError, notFound } from '../errors.js';
import { ok, type ApiRequest, type ApiResult } from './types.js';

const teamView = (t: { team: { name: string; displayName: string; description: string; visibility: string; members: unknown[] }; libraries: number }) => ({
  name: `@${t.team.name}`, display_name: t.team.displayName, description: t.team.description, visibility: t.team.visibility,
  members: t.team.members.length, libraries: t.libraries,
});

export function listTeams(r: ApiRequest): ApiResult {
  return ok({ teams: r.view.teams().map(teamView) });
}

export function getTeam(r: ApiRequest, name: string): ApiResult {
  const t = r.view.team(normalizeScope(name));
  if (!t) throw notFound();
  return ok(teamView(t));
}

export function teamMembers(r: ApiRequest, name: string): ApiResult {
  const t = r.view.team(normalizeScope(name));
  if (!t) throw notFound();
  return ok({ team: `@${t.team.name}`, members: t.team.members.map((m) => ({ user: m.user, role: m.role })) });
}

export function usersMe(r: ApiRequest): ApiResult {
  if (r.caller.kind !== 'token') throw httpError('MDL_UNAUTHORIZED', 'send a token: Authorization: Bearer mdl_…');
  const t = r.caller.token;
  const teams = r.view.teams().flatMap(({ team }) => team.members.filter((m) => m.user === t.owner).map((m) => ({ team: `@${team.name}`, role: m.role, visibility: team.visibility })));
  return ok({
    user: t.owner, admin: t.admin, registry_admin: r.view.pub.teams.admins.includes(t.owner),
    token: tokenView(t), private_scopes: [...r.access.privateScopes].sort().map((s) => `@${s}`), teams,
  });
}

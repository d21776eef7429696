/** Routes /api/v1/* requests to handlers; 404 for unknown routes, 405 with Allow for wrong methods. */
import { httpError } from '../errors.js';
import { auditLog, createToken, listTokens, revokeToken } from './auth-tokens.js';
import { downloadVersion, getLibrary, getVersion, listLibraries, listVersions } from './libraries.js';
import { downloadStats, libraryStats } from './stats.js';
import { getTeam, listTeams, teamMembers, usersMe } from './teams.js';
import type { ApiRequest, ApiResult } from './types.js';

type Handler = (r: ApiRequest, ...params: string[]) => ApiResult | Promise<ApiResult>;
interface Route { pattern: string[]; name: string; methods: Record<string, Handler> }

const ROUTES: Route[] = [
  { pattern: ['libraries'], name: '/libraries', methods: { GET: listLibraries } },
  { pattern: ['search'], name: '/search', methods: { GET: listLibraries } },
  { pattern: ['libraries', ':', ':'], name: '/libraries/:scope/:name', methods: { GET: getLibrary } },
  { pattern: ['libraries', ':', ':', 'versions'], name: '/libraries/:scope/:name/versions', methods: { GET: listVersions } },
  { pattern: ['libraries', ':', ':', ':'], name: '/libraries/:scope/:name/:version', methods: { GET: getVersion } },
  { pattern: ['libraries', ':', ':', ':', 'download'], name: '/libraries/:scope/:name/:version/download', methods: { GET: downloadVersion } },
  { pattern: ['teams'], name: '/teams', methods: { GET: listTeams } },
  { pattern: ['teams', ':'], name: '/teams/:name', methods: { GET: getTeam } },
  { pattern: ['teams', ':', 'members'], name: '/teams/:name/members', methods: { GET: teamMembers } },
  { pattern: ['users', 'me'], name: '/users/me', methods: { GET: usersMe } },
  { pattern: ['auth', 'tokens'], name: '/auth/tokens', methods: { GET: listTokens, POST: createToken } },
  { pattern: ['auth', 'tokens', ':'], name: '/auth/tokens/:id', methods: { DELETE: revokeToken } },
  { pattern: ['stats', 'downloads'], name: '/stats/downloads', methods: { GET: downloadStats } },
  { pattern: ['stats', 'libraries'], name: '/stats/libraries', methods: { GET: libraryStats } },
  { pattern: ['audit'], name: '/audit', methods: { GET: auditLog } },
];

export interface Matched { name: string; handler: Handler; params: string[] }

/** Finds the route for segments and a method; throws 404/405. HEAD is served as GET. */
export function matchRoute(segs: readonly string[], method: string): Matched {
  const hits = ROUTES.filter((r) => r.pattern.length === segs.length && r.pattern.every((p, i) => p === ':' || p === segs[i]));
  // literal segments win over parameters (`versions` is not a version)
  hits.sort((a, b) => b.pattern.filter((p) => p !== ':').length - a.pattern.filter((p) => p !== ':').length);
  const route = hits[0];
  if (!route) throw unknownRoute(segs);
  const m = method === 'HEAD' ? 'GET' : method;
  const handler = route.methods[m];
  if (!handler) throw httpError('MDL_METHOD_NOT_ALLOWED', `${method} is not allowed on ${route.name}`, { allow: Object.keys(route.methods).join(', ') });
  return { name: route.name, handler, params: segs.filter((_, i) => route.pattern[i] === ':') };
}

export const ROUTE_NAMES = ROUTES.map((r) => r.name);

/**
 * The 404 of a path no route has ("not found" said nothing more): the path as asked (control
 * characters dropped, at most 200 characters) and every route there is. Routes are public (docs/
 * server.md), and whether one matches never depends on what exists, so this tells no secret.
 */
function unknownRoute(segs: readonly string[]) {
  const asked = `/api/v1/${segs.join('/')}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200);
  return httpError('MDL_NOT_FOUND', `there is no API route ${asked}; see details.routes (docs/server.md describes each)`, { routes: ROUTE_NAMES.map((n) => `/api/v1${n}`) });
}

/** GET /stats/downloads (scope, library, days) and /stats/libraries (SRV-2, SRV-4). */
import { z } from 'zod';
import { normalizeScope } from '../auth/tokens.js';
import { notFound } from '../errors.js';
import { parseQuery } from '../http/query.js';
import { day } from '../store/store.js';
import { ok, type ApiRequest, type ApiResult } from './types.js';

const statsQuery = z.object({
  scope: z.string().min(1).max(65).optional(),
  library: z.string().min(1).max(140).optional(),
  days: z.coerce.number().int().min(1).max(365).default(30),
});

export async function downloadStats(r: ApiRequest): Promise<ApiResult> {
  const q = parseQuery(statsQuery, r.query);
  let names = r.view.entries().map((e) => e.name);
  if (q.library !== undefined) {
    const full = q.library.startsWith('@') ? q.library : `@${q.library}`;
    if (!r.view.entry(full)) throw notFound();
    names = [full];
  }
  if (q.scope !== undefined) {
    const s = normalizeScope(q.scope);
    if (!r.view.teams().some((t) => t.team.name === s)) throw notFound();
    names = names.filter((n) => n.startsWith(`@${s}/`));
  }
  const to = new Date();
  const from = new Date(to.getTime() - (q.days - 1) * 86400e3);
  const rows = await r.ctx.store.downloadsSince(day(from), names);
  const byDay = new Map<string, number>();
  const byLib = new Map<string, number>();
  for (const row of rows) {
    byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.n);
    byLib.set(row.library, (byLib.get(row.library) ?? 0) + row.n);
  }
  const daily = [];
  for (let i = 0; i < q.days; i++) {
    const d = day(new Date(from.getTime() + i * 86400e3));
    daily.push({ date: d, downloads: byDay.get(d) ?? 0 });
  }
  return ok({
    from: day(from), to: day(to), days: q.days, scope: q.scope ?? null, library: q.library ?? null,
    total: rows.reduce((a, x) => a + x.n, 0), daily,
    libraries: [...byLib.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, downloads]) => ({ name, downloads })),
  });
}

export async function libraryStats(r: ApiRequest): Promise<ApiResult> {
  const entries = r.view.entries();
  const totals = await r.ctx.totals.get();
  const withDl = entries.map((e) => ({ name: e.name, downloads: totals.get(e.name) ?? 0 }));
  return ok({
    libraries: entries.length,
    versions: entries.reduce((a, e) => a + e.versionCount, 0),
    scopes: new Set(entries.map((e) => e.scope)).size,
    downloads: withDl.reduce((a, e) => a + e.downloads, 0),
    top: withDl.sort((a, b) => b.downloads - a.downloads || (a.name < b.name ? -1 : 1)).slice(0, 10),
    build: { id: r.view.pub.buildId, built_at: r.view.pub.buildInfo.builtAt, commit: r.view.pub.buildInfo.commit },
  });
}

/** GET /health: the store answers and a tree is served (503 otherwise). Reveals no private data. */
import type { Context } from './context.js';

export interface Health { status: 'ok' | 'unhealthy'; store: { kind: string; ok: boolean; error?: string }; tree: { ok: boolean; build: string | null; built_at: string | null; age_seconds: number | null; libraries: number | null }; private_tree: boolean }

export async function health(ctx: Context): Promise<Health> {
  let storeOk = true;
  let error: string | undefined;
  try {
    await Promise.race([ctx.store.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('store ping timed out')), 2000).unref())]);
  } catch (e) {
    storeOk = false;
    error = e instanceof Error ? e.message.slice(0, 200) : 'store error';
  }
  const pub = ctx.publicTree.current();
  const priv = ctx.privateTree ? ctx.privateTree.current() : null;
  const treeOk = pub !== null && (ctx.privateTree === null || priv !== null);
  const builtAt = pub?.buildInfo.builtAt ?? null;
  return {
    status: storeOk && treeOk ? 'ok' : 'unhealthy',
    store: { kind: ctx.store.kind, ok: storeOk, ...(error ? { error } : {}) },
    tree: { ok: treeOk, build: pub?.buildId ?? null, built_at: builtAt, age_seconds: builtAt ? Math.max(0, Math.round((Date.now() - Date.parse(builtAt)) / 1000)) : null, libraries: pub?.buildInfo.libraries ?? null },
    private_tree: ctx.privateTree !== null,
  };
}

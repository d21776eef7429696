/** Picks the store from the config: PostgreSQL when a database URL is set, else SQLite under dataDir. */
import { join, resolve } from 'node:path';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export const SQLITE_FILE = 'mdlibs.db';

export async function openStore(opts: { databaseUrl?: string | undefined; databaseSchema?: string | undefined; dataDir?: string | undefined }): Promise<Store> {
  if (opts.databaseUrl) return openPostgresStore(opts.databaseUrl, opts.databaseSchema ?? 'public');
  return openSqliteStore(join(resolve(opts.dataDir ?? '.mdlibs-data'), SQLITE_FILE));
}

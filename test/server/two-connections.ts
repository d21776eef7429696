/** Two connections to one SQLite store file, as a server and another process (`token revoke`, a second server) have. */
import { join } from 'node:path';
import { openSqliteStore, type Store } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';

/** Runs `fn` with two stores on one fresh file: to `a`'s cache, `b` is another process. Closes both. */
export async function withTwoConnections(fn: (a: Store, b: Store) => Promise<void>): Promise<void> {
  const file = join(tempDir('mdlibs-store-'), 'mdlibs.db');
  const a = openSqliteStore(file);
  const b = openSqliteStore(file);
  try {
    await fn(a, b);
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * Services some tests need (PostgreSQL, Chromium). On a bare laptop those tests skip with a
 * visible message; with MDLIBS_REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export const REQUIRE_SERVICES = process.env.MDLIBS_REQUIRE_SERVICES === '1';
export const PG_URL = process.env.MDLIBS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const CHROMIUM_PATH = process.env.MDLIBS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function pgReachable(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** True when the service is there. Otherwise: fail (CI) or print why the tests skip. */
function available(name: string, ok: boolean): boolean {
  if (ok) return true;
  if (REQUIRE_SERVICES) throw new Error(`${name} is required (MDLIBS_REQUIRE_SERVICES=1) but not available`);
  process.stderr.write(`\n[mdlibs tests] SKIPPING ${name} tests: ${name} is not available on this machine\n`);
  return false;
}

export const hasPostgres = (): boolean => available('PostgreSQL (127.0.0.1:5432)', pgReachable());
export const hasChromium = (): boolean => available(`Chromium (${CHROMIUM_PATH})`, existsSync(CHROMIUM_PATH));

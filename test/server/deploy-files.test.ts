/** OPS-2: Dockerfile, docker-compose.yml and .env.example only use options the server knows (no Docker engine here). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../static-server/src/index.js';

const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const envs = new Set(OPTIONS.map((o) => o.env));
const flags = new Set(OPTIONS.map((o) => o.flag));

describe('deployment files', () => {
  it('Dockerfile is multi-stage, runs as non-root and has a health check', () => {
    const d = read('Dockerfile');
    expect(d).toMatch(/^FROM .* AS build$/m);
    expect(d).toMatch(/^FROM .* AS runtime$/m);
    expect(d).toMatch(/^USER node$/m);
    expect(d).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
    expect(d).toContain('npm ci');
    for (const m of d.matchAll(/^ENV (.*)$/gm)) for (const kv of (m[1] as string).split(' ')) if (!kv.startsWith('NODE_ENV=')) expect(envs, kv).toContain(kv.split('=')[0]);
  });

  it('compose and .env.example use known variables and flags', () => {
    const c = read('docker-compose.yml');
    const serverBlock = c.slice(c.indexOf('  server:'));
    for (const m of serverBlock.matchAll(/^ {6}([A-Z_]+):/gm)) expect(envs, m[1]).toContain(m[1]);
    for (const m of c.matchAll(/"(--[a-z-]+)"/g)) if (!['--out', '--private-out'].includes(m[1] as string)) expect(flags, m[1]).toContain(m[1]);
    const extra = new Set(['POSTGRES_PASSWORD', 'REGISTRY_DIR']);
    for (const m of read('.env.example').matchAll(/^#? ?([A-Z_]+)=/gm)) expect(envs.has(m[1] as string) || extra.has(m[1] as string), m[1]).toBe(true);
  });
});

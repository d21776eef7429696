/** A small real registry with public and private scopes, built into temp trees, plus a server on port 0. */
import { request } from 'node:http';
import { join } from 'node:path';
import { buildRegistry, loadSiteEmitter } from '../../index-builder/src/index.js';
import { issueToken, startServer, type RunningServer, type StartOptions, type Store } from '../../static-server/src/index.js';
import { writeFiles, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

export const SCOPES = {
  acme: { visibility: 'public', members: [['alice', 'admin'], ['dave', 'member']] },
  secops: { visibility: 'private', members: [['alice', 'admin'], ['bob', 'member']] },
  vault: { visibility: 'private', members: [['carol', 'admin']] },
} as const;

export function writeFixtureRegistry(root: string): void {
  writeFiles(root, {
    'registry.toml': '[registry]\nname = "Server Test Registry"\nurl = "http://localhost/"\nadmins = ["root-admin"]\n',
    ...Object.fromEntries(Object.entries(SCOPES).map(([s, d]) => [`scopes/${s}.toml`,
      `[scope]\nname = "${s}"\ndisplay_name = "${s} team"\nvisibility = "${d.visibility}"\n\n${d.members.map(([u, r]) => `[[members]]\nuser = "${u}"\nrole = "${r}"\n`).join('\n')}`])),
  });
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0', description: 'Public style guide' });
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.1.0', description: 'Public style guide' });
  writeLibrary(root, { scope: 'acme', name: 'handbook', version: '2.0.0', description: 'Company handbook' });
  writeLibrary(root, { scope: 'secops', name: 'runbook', version: '1.0.0', description: 'Secret incident runbook zebracorn' });
  writeLibrary(root, { scope: 'vault', name: 'keys', version: '0.1.0', description: 'Vault key ceremony unicornfish' });
}

export interface Fixture { registry: string; publicDir: string; privateDir: string; rebuild(): Promise<void> }

export async function buildFixture(): Promise<Fixture> {
  const registry = tempDir('mdlibs-srv-reg-');
  writeFixtureRegistry(registry);
  const out = tempDir('mdlibs-srv-out-');
  const publicDir = join(out, 'public');
  const privateDir = join(out, 'private');
  const site = await loadSiteEmitter();
  const rebuild = async () => {
    await buildRegistry({ registryDir: registry, outDir: publicDir, privateOutDir: privateDir, site });
  };
  await rebuild();
  return { registry, publicDir, privateDir, rebuild };
}

export async function startFixtureServer(f: Fixture, opts: Partial<StartOptions> = {}): Promise<RunningServer> {
  return startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir('mdlibs-srv-data-'), port: 0, logLevel: 'silent', ...opts });
}

export interface Tokens { [k: string]: string }

/** The token matrix of the access tests. */
export async function mintTokens(store: Store): Promise<Tokens> {
  const mk = async (o: Parameters<typeof issueToken>[1]) => (await issueToken(store, o)).secret;
  const revoked = await issueToken(store, { owner: 'bob', scopes: ['secops'] });
  await store.revokeToken(revoked.token.id, new Date().toISOString());
  return {
    malformed: 'mdl_short',
    unknown: `mdl_${'A'.repeat(40)}`,
    expired: await mk({ owner: 'bob', scopes: ['secops'], expiresIn: -1000 }),
    revoked: revoked.secret,
    otherScope: await mk({ owner: 'carol', scopes: ['vault'] }),
    notMember: await mk({ owner: 'dave', scopes: ['secops'] }),
    valid: await mk({ owner: 'bob', scopes: ['secops'] }),
    admin: await mk({ owner: 'root-admin', admin: true }),
  };
}

export async function get(url: string, token?: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Headers; body: Buffer; text: string }> {
  const r = await fetch(url, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body, text: body.toString('utf8') };
}

/** A raw request: the path goes on the wire exactly as given (no URL normalisation). */
export function raw(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end();
  });
}

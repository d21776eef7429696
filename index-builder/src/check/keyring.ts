/**
 * Builds what git needs to verify signatures against a list of allowed keys: an SSH
 * allowed-signers file and a GnuPG home holding only the listed public keys (PUB-3).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Problem } from '../errors.js';
import type { CheckCode } from './codes.js';

const run = promisify(execFile);

export interface ListedKey {
  user: string;
  type: 'ssh' | 'gpg';
  key: string;
  fingerprint?: string | undefined;
  /** File that lists it, for messages. */
  file: string;
  /**
   * Who vouches for it: a scope file (its scope admins) or registry.toml (the registry admins).
   * Only registry.toml keys carry registry-admin powers: a scope admin can write any username
   * into their own scope file.
   */
  source: 'scope' | 'registry';
}

export interface KeyOwner {
  user: string;
  source: 'scope' | 'registry';
}

export interface Keyring {
  allowedSignersFile: string;
  gnupgHome: string;
  /** gpg primary and subkey fingerprints -> owner (registry.toml wins over a scope file). */
  gpgUsers: Map<string, KeyOwner>;
  /** allowed-signers principal (`r.<user>` or `s.<user>`) -> owner. */
  sshUsers: Map<string, KeyOwner>;
  problems: (Omit<Problem, 'code'> & { code: CheckCode })[];
}

/** Principals in the allowed-signers file are usernames: no spaces, commas, quotes or wildcards. */
const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SSH_KEY_RE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) ([A-Za-z0-9+/]+={0,3})(?: [^\r\n]*)?$/;

const invalid = (k: ListedKey, message: string, hint: string) => ({ code: 'MDL_CHECK_KEY_INVALID' as const, file: k.file, field: 'keys', message, hint });

export const principalOf = (k: Pick<ListedKey, 'user' | 'source'>): string => `${k.source === 'registry' ? 'r' : 's'}.${k.user}`;

/** Pure: one allowed-signers line for an ssh key, or why it cannot be used. */
export function allowedSignersLine(k: ListedKey): { line: string } | { problem: string } {
  if (!USER_RE.test(k.user)) return { problem: `key user "${k.user.slice(0, 40)}" is not a plain username` };
  const m = SSH_KEY_RE.exec(k.key.trim());
  if (!m) return { problem: `ssh key of ${k.user} is not one public key line ("ssh-ed25519 AAAA... comment")` };
  return { line: `${principalOf(k)} namespaces="git" ${m[1]} ${m[2]}` };
}

/** Pure: primary and subkey fingerprints from `gpg --with-colons` output, grouped by primary key. */
export function parseGpgColons(out: string): { primary: string; all: string[] }[] {
  const keys: { primary: string; all: string[] }[] = [];
  let expect: 'pub' | 'sub' | null = null;
  for (const line of out.split('\n')) {
    const f = line.split(':');
    if (f[0] === 'pub' || f[0] === 'sub') expect = f[0];
    else if (f[0] === 'fpr' && expect) {
      const fpr = (f[9] ?? '').toUpperCase();
      if (expect === 'pub') keys.push({ primary: fpr, all: [fpr] });
      else keys[keys.length - 1]?.all.push(fpr);
      expect = null;
    }
  }
  return keys;
}

export async function makeKeyring(dir: string, keys: readonly ListedKey[]): Promise<Keyring> {
  mkdirSync(dir, { recursive: true });
  const gnupgHome = join(dir, 'gnupg');
  mkdirSync(gnupgHome, { recursive: true });
  chmodSync(gnupgHome, 0o700);
  writeFileSync(join(gnupgHome, 'gpg.conf'), 'trust-model always\nno-autostart\n');
  const ring: Keyring = { allowedSignersFile: join(dir, 'allowed_signers'), gnupgHome, gpgUsers: new Map(), sshUsers: new Map(), problems: [] };
  const lines: string[] = [];
  let n = 0;
  for (const k of keys) {
    if (k.type === 'ssh') {
      const r = allowedSignersLine(k);
      if ('problem' in r) ring.problems.push(invalid(k, r.problem, 'list one OpenSSH public key per [[keys]] entry (the .pub file line) for a plain Git-host username'));
      else {
        lines.push(r.line);
        ring.sshUsers.set(principalOf(k), { user: k.user, source: k.source });
      }
      continue;
    }
    const file = join(dir, `key-${n++}.asc`);
    writeFileSync(file, k.key);
    const env = { ...process.env, GNUPGHOME: gnupgHome };
    let found: { primary: string; all: string[] }[];
    try {
      found = parseGpgColons((await run('gpg', ['--batch', '--no-tty', '--with-colons', '--import-options', 'show-only', '--import', file], { env })).stdout);
      if (found.length) await run('gpg', ['--batch', '--no-tty', '--quiet', '--import', file], { env });
    } catch {
      found = [];
    }
    const wanted = k.fingerprint ? found.filter((f) => f.primary === k.fingerprint) : found;
    if (!wanted.length) {
      ring.problems.push(invalid(k, k.fingerprint ? `gpg key of ${k.user} does not contain fingerprint ${k.fingerprint}` : `gpg key of ${k.user} is not an ASCII-armored public key`, 'paste the output of gpg --armor --export <fingerprint> as key, and its 40-hex primary fingerprint as fingerprint'));
      continue;
    }
    for (const w of wanted) for (const f of w.all) if (ring.gpgUsers.get(f)?.source !== 'registry') ring.gpgUsers.set(f, { user: k.user, source: k.source });
  }
  writeFileSync(ring.allowedSignersFile, lines.length ? `${lines.join('\n')}\n` : '');
  return ring;
}

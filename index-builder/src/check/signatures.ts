/** Verifies commit signatures with git itself, against one keyring (PUB-3). */
import type { GitRepo } from './git-range.js';
import type { Keyring } from './keyring.js';

export type SignatureStatus = 'good' | 'unsigned' | 'unknown-key' | 'bad' | 'expired' | 'revoked';

export interface SignatureResult {
  status: SignatureStatus;
  /** Username the key is listed for (good signatures only). */
  signer: string | null;
  /** Where the key is listed: a scope file or registry.toml (good signatures only). */
  via?: 'scope' | 'registry';
  /** Key fingerprint git reports (SHA256:... for ssh, 40 hex for gpg), when any. */
  key: string | null;
}

/** Pure: maps one `%G?|%GF|%GP|%GS` record to a result, trusting only keys in the ring. */
export function interpretSignature(code: string, fpr: string, primary: string, principal: string, ring: Pick<Keyring, 'gpgUsers' | 'sshUsers'>): SignatureResult {
  const key = fpr || null;
  const isSsh = fpr.startsWith('SHA256:');
  switch (code) {
    case 'N':
      return { status: 'unsigned', signer: null, key: null };
    case 'B':
      return { status: 'bad', signer: null, key };
    case 'X':
    case 'Y':
      return { status: 'expired', signer: null, key };
    case 'R':
      return { status: 'revoked', signer: null, key };
    case 'G': {
      const owner = isSsh ? ring.sshUsers.get(principal) : (ring.gpgUsers.get(primary.toUpperCase()) ?? ring.gpgUsers.get(fpr.toUpperCase()));
      return owner ? { status: 'good', signer: owner.user, via: owner.source, key } : { status: 'unknown-key', signer: null, key };
    }
    default:
      // U (ssh: no principal matched), E (gpg: key not in the ring)
      return { status: 'unknown-key', signer: null, key };
  }
}

export async function verifyCommits(repo: GitRepo, shas: readonly string[], ring: Keyring): Promise<Map<string, SignatureResult>> {
  const out = new Map<string, SignatureResult>();
  if (!shas.length) return out;
  const log = await repo.git(
    ['-c', `gpg.ssh.allowedSignersFile=${ring.allowedSignersFile}`, '-c', 'gpg.program=gpg', '-c', 'gpg.ssh.program=ssh-keygen',
      'log', '--no-walk=unsorted', '--format=%H%x1f%G?%x1f%GF%x1f%GP%x1f%GS%x1e', ...shas],
    { GNUPGHOME: ring.gnupgHome },
  );
  for (const rec of log.split('\x1e')) {
    const [sha, code, fpr, primary, principal] = rec.trim().split('\x1f');
    if (!sha || !code) continue;
    out.set(sha, interpretSignature(code, fpr ?? '', primary ?? '', principal ?? '', ring));
  }
  return out;
}

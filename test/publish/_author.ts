/** An author's machine for publishing tests: own git config (identity, signing) and a bare registry remote. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../helpers/registry.js';
import type { Signer } from './_keys.js';

/**
 * Points git at a global config of `who` (identity and, when given, signing). simple-git and
 * git inherit process.env, as they do for a real user; vitest runs each test file in its own process.
 */
export function useGitConfig(dir: string, who: string, signer: Signer | null): string {
  const file = join(dir, `gitconfig-${who}-${signer ? 'signed' : 'unsigned'}`);
  const signing = signer
    ? signer.type === 'ssh'
      ? `[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = ${signer.priv}\n[commit]\n\tgpgsign = true\n`
      : `[gpg]\n\tformat = openpgp\n[user]\n\tsigningkey = ${signer.fingerprint}\n[commit]\n\tgpgsign = true\n`
    : '';
  writeFileSync(file, `[user]\n\tname = ${who}\n\temail = ${who}@example.com\n[init]\n\tdefaultBranch = main\n${signing}`);
  process.env.GIT_CONFIG_GLOBAL = file;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  if (signer?.type === 'gpg') process.env.GNUPGHOME = signer.home;
  return file;
}

/** A bare clone of `src` to act as the registry remote. */
export function bareRemote(src: string, dest: string): string {
  execFileSync('git', ['clone', '-q', '--bare', src, dest]);
  return dest;
}

/** A fresh working clone (for check mode and builds on the "CI" side). */
export function ciClone(bare: string, dest: string): string {
  execFileSync('git', ['clone', '-q', bare, dest]);
  return dest;
}

export const headOf = (repo: string, ref = 'main'): string => git(repo, 'rev-parse', ref).trim();

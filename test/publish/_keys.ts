/** Real signing keys and signed commits for the publishing tests (ssh-keygen, gpg). */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../helpers/registry.js';

export type Signer = { type: 'ssh'; user: string; priv: string; pub: string } | { type: 'gpg'; user: string; home: string; fingerprint: string; armored: string };

export function sshKey(dir: string, user: string): Signer & { type: 'ssh' } {
  const priv = join(dir, `id-${user}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}@test`, '-f', priv]);
  return { type: 'ssh', user, priv, pub: readFileSync(`${priv}.pub`, 'utf8').trim() };
}

export function gpgKey(dir: string, user: string): Signer & { type: 'gpg' } {
  const home = join(dir, `g-${user}`);
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${user} <${user}@example.com>`, 'ed25519', 'sign', 'never'], { env, stdio: 'ignore' });
  const colons = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env, encoding: 'utf8' });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1] ?? '';
  const armored = execFileSync('gpg', ['--batch', '--armor', '--export', fingerprint], { env, encoding: 'utf8' });
  return { type: 'gpg', user, home, fingerprint, armored };
}

/** Stops the gpg-agent a key's home started. */
export function stopAgent(s: Signer): void {
  if (s.type === 'gpg') {
    try {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: s.home }, stdio: 'ignore' });
    } catch {
      // no agent running
    }
  }
}

/** The [[keys]] TOML entry of a signer, for a scope file. */
export function keyToml(s: Signer): string {
  if (s.type === 'ssh') return `\n[[keys]]\nuser = "${s.user}"\ntype = "ssh"\nkey = "${s.pub}"\n`;
  return `\n[[keys]]\nuser = "${s.user}"\ntype = "gpg"\nfingerprint = "${s.fingerprint}"\nkey = """\n${s.armored}"""\n`;
}

/** `git -c ...` arguments and env that make a commit signed by `s`. */
export function signingArgs(s: Signer): { args: string[]; env: Record<string, string> } {
  if (s.type === 'ssh') return { args: ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${s.priv}`], env: {} };
  return { args: ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${s.fingerprint}`], env: { GNUPGHOME: s.home } };
}

/** Stages everything and commits, signed by `s` (or unsigned with null). Returns the commit id. */
export function commitAs(root: string, message: string, s: Signer | null): string {
  git(root, 'add', '-A');
  if (!s) git(root, 'commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', message);
  else {
    const { args, env } = signingArgs(s);
    execFileSync('git', [...args, 'commit', '-q', '-S', '--allow-empty', '-m', message], {
      cwd: root, stdio: 'pipe',
      env: { ...process.env, ...env, GIT_AUTHOR_NAME: s.user, GIT_AUTHOR_EMAIL: `${s.user}@example.com`, GIT_COMMITTER_NAME: s.user, GIT_COMMITTER_EMAIL: `${s.user}@example.com` },
    });
  }
  return git(root, 'rev-parse', 'HEAD').trim();
}

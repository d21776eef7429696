/**
 * One command at a time changes a project: install, update and uninstall hold
 * `.mdlibs.lock-file` (it holds the holder's pid) from before they read .mdlibs.toml and
 * mdlibs.lock until they have written both. Two commands at once used to read the same
 * state and each write its own result over the other's (a library lost from the lock,
 * the manifest or the disk). A second command fails at once with CLI_PROJECT_LOCKED; a
 * lock whose process is gone (killed, power loss) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_LOCK_FILE } from '../config/paths.js';
import { cliError } from '../errors.js';

/** True when a process with this pid runs (EPERM: it runs, as another user). */
export function pidRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const m = /^(\d{1,10})\n?$/.exec(text);
  return m ? Number(m[1]) : 0; // 0: unreadable content, never a live pid
}

/** Creates `file` holding our pid only if it does not exist: the pid is in it from the first moment it exists. */
function createExclusive(file: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`, { flag: 'wx' }); // created new: never through a link laid at the name
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    // a file system without hard links: create it exclusively and write the pid
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e2;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function lockedError(file: string, pid: number): Error {
  return cliError('CLI_PROJECT_LOCKED', `another mdlibs command (pid ${pid}) is changing this project: ${file} is held`,
    `wait for it to finish and run the command again; if no mdlibs process ${pid} is running, delete ${file}`, { file, pid });
}

/** Temporary files of createExclusive and of a takeover, left by a command killed in between. */
function removeLeftovers(projectDir: string): void {
  const re = new RegExp(`^${PROJECT_LOCK_FILE.replace(/\./g, '\\.')}\\.(?:(\\d{1,10})\\.[0-9a-f]{8}\\.tmp|stale-(\\d{1,10})-[0-9a-f]{8})$`);
  for (const n of readdirSync(projectDir)) {
    const m = re.exec(n);
    if (m && !pidRunning(Number(m[1] ?? m[2]))) rmSync(join(projectDir, n), { force: true });
  }
}

/** Takes the project lock, or throws CLI_PROJECT_LOCKED; returns the release function (idempotent). */
export function lockProject(projectDir: string): () => void {
  mkdirSync(projectDir, { recursive: true });
  const file = join(projectDir, PROJECT_LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file)) {
      removeLeftovers(projectDir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (readPid(file) === process.pid) unlinkSync(file);
      };
    }
    const pid = readPid(file);
    if (pid === null) continue; // released meanwhile
    if (pidRunning(pid)) throw lockedError(file, pid);
    // stale: move it aside under a name of our own, and check it is the one we judged stale
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another command took it over first
      throw e;
    }
    const moved = readPid(aside);
    if (moved !== pid && moved !== null && pidRunning(moved)) {
      // another command took the stale lock over between our read and our rename: give it back
      try {
        linkSync(aside, file);
      } catch {
        // a third command holds it now; ours still fails
      }
      rmSync(aside, { force: true });
      throw lockedError(file, moved);
    }
    rmSync(aside, { force: true });
  }
  throw lockedError(file, readPid(file) ?? 0);
}

/** Runs `fn` holding the project lock; released on success and on errors. */
export async function withProjectLock<T>(projectDir: string, fn: () => Promise<T>): Promise<T> {
  const release = lockProject(projectDir);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Reading built trees back, and builds expected to fail, for the builder's tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { isMdlibsError, type MdlibsError } from '../../index-builder/src/index.js';

/** The files whose bytes depend on when the build ran (docs/protocol.md). */
export const TIME_DEPENDENT = ['build-info.json', 'build-info.json.gz', 'build-info.json.br'];

/** Every file of a tree (through the managed link and its shard links) but `ignore` -> its bytes. */
export function snapshot(dir: string, ignore: readonly string[] = []): Map<string, Buffer> {
  return new Map(fg.sync('**', { cwd: dir, dot: true, followSymbolicLinks: true, ignore: [...ignore] }).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

/** The MdlibsError a build rejects with; anything else (or no failure) fails the test. */
export async function expectBuildError(p: Promise<unknown>): Promise<MdlibsError<string>> {
  try {
    await p;
  } catch (e) {
    if (isMdlibsError(e)) return e;
    throw e;
  }
  throw new Error('expected the build to fail');
}

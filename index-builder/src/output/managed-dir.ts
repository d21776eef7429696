/**
 * Atomic output (BUILD-5). `<out>` is a symlink to `.<out>.builds/<id>/`; a build writes a
 * new folder beside the old one and swaps the link with one rename(2). Readers never see
 * half a tree; the two previous builds stay on disk for readers still holding them.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MdlibsError } from '../errors.js';
import { PATHS } from '../format/paths.js';
import { SHARDED } from '../emit/tree-writer.js';

export const KEEP_OLD_BUILDS = 2;
/** Name prefix, in the builds folder, of a plain output folder the builder adopted (never pruned). */
export const ADOPTED_PREFIX = 'adopted-';
const OBJECTS = 'objects';

export interface ManagedOutput {
  out: string;
  buildsDir: string;
  /** Scope shards (see TreeWriter), shared by the builds of this output: kept while a kept build links one. */
  objectsDir: string;
  staging: string;
  /** The tree currently served at `out` (to reuse files from), or null. */
  previous: string | null;
}

export function buildsDirOf(out: string): string {
  return join(dirname(resolve(out)), `.${basename(resolve(out))}.builds`);
}

/** `p` with the symbolic links of its longest existing part resolved (the rest appended as given). */
function canonical(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  for (let at = abs; ; at = dirname(at)) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch {
      if (dirname(at) === at) return abs;
      rest.push(basename(at));
    }
  }
}

/** True when `inner` is `outer` or below it. */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith(`..${sep}`));
}

/** A path as given and with links resolved: both are compared, so that neither spelling slips past. */
const spellings = (p: string): string[] => [...new Set([resolve(p), canonical(p)])];

/**
 * Refuses outputs that overlap (BUILD-5, PROTO-5): the private output at, inside or around the
 * public one (or inside its `.<out>.builds` folder), which would put private files in the public
 * tree or lose them at its next swap; and an output inside the registry's `libraries/` or
 * `scopes/`, which the next build would read as registry content.
 */
export function checkOutputPaths(registryDir: string, outDir: string, privateOutDir?: string): void {
  const overlap = (message: string) => new MdlibsError('MDL_OUTPUT_OVERLAP', message, { hint: 'give the two outputs separate paths outside libraries/ and scopes/ (for example --out site --private-out private-site)' });
  const outputs = privateOutDir === undefined ? [outDir] : [outDir, privateOutDir];
  for (const folder of ['libraries', 'scopes']) {
    const content = spellings(join(registryDir, folder));
    for (const o of outputs) {
      if (spellings(o).some((x) => content.some((c) => within(x, c)))) throw overlap(`the output ${resolve(o)} is inside the registry's ${folder}/ folder`);
    }
  }
  if (privateOutDir === undefined) return;
  const owned = (o: string) => [...spellings(o), ...spellings(buildsDirOf(o))];
  const [pub, priv] = [spellings(outDir), spellings(privateOutDir)];
  if (pub.some((a) => priv.includes(a))) throw overlap(`the private output and the public output are the same path (${resolve(outDir)})`);
  if (priv.some((x) => owned(outDir).some((o) => within(x, o))) || pub.some((x) => owned(privateOutDir).some((o) => within(x, o)))) {
    throw overlap(`one output is inside the other (${resolve(outDir)} and ${resolve(privateOutDir)})`);
  }
}

export function prepareOutput(outPath: string, buildId: string): ManagedOutput {
  const out = resolve(outPath);
  const buildsDir = buildsDirOf(out);
  let previous: string | null = null;
  if (existsSync(out) || isLink(out)) {
    const st = lstatSync(out);
    if (st.isSymbolicLink()) {
      const target = resolve(dirname(out), readlinkSync(out));
      previous = existsSync(target) ? target : null;
    } else if (st.isDirectory()) {
      const entries = readdirSync(out);
      if (entries.length && !entries.includes(PATHS.buildRecord)) {
        throw new MdlibsError('MDL_OUTPUT_NOT_MANAGED', `${out} exists and was not written by mdlibs-build`, { hint: 'choose an empty or new output folder; mdlibs-build replaces its output as a whole' });
      }
      // A plain tree restored from a deploy (or empty): adopt it as the previous build.
      previous = entries.length ? out : null;
    } else {
      throw new MdlibsError('MDL_OUTPUT_NOT_MANAGED', `${out} exists and is not a folder`, { hint: 'remove it or choose another output path' });
    }
  }
  mkdirSync(buildsDir, { recursive: true });
  const staging = join(buildsDir, buildId);
  mkdirSync(staging);
  return { out, buildsDir, objectsDir: join(buildsDir, OBJECTS), staging, previous };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Makes the staging tree the served one, in one rename. */
export function swapIn(m: ManagedOutput): void {
  if (m.previous === m.out) {
    // adopt a plain folder: move it into the builds folder first (one-time, not atomic)
    const adopted = join(m.buildsDir, `${ADOPTED_PREFIX}${Date.now()}`);
    renameSync(m.out, adopted);
  } else if (existsSync(m.out) && !isLink(m.out)) {
    rmSync(m.out, { recursive: true }); // empty folder
  }
  const tmp = join(dirname(m.out), `.${basename(m.out)}.link-${randomBytes(4).toString('hex')}`);
  symlinkSync(relative(dirname(m.out), m.staging), tmp, 'dir');
  renameSync(tmp, m.out);
}

export function discardStaging(m: ManagedOutput): void {
  rmSync(m.staging, { recursive: true, force: true });
}

/**
 * Deletes what the swap of `m` leaves unneeded: builds older than the KEEP_OLD_BUILDS newest ones
 * before the staging build, and shard folders none of the remaining builds links to (those of
 * pruned builds, or of a build that failed). Called once the staging tree's shard links are final,
 * it runs on the thread pool while the build finishes (compressed copies) and swaps: the pruned
 * builds were already out of service and would go at the swap anyway.
 */
export async function pruneOldBuilds(m: ManagedOutput): Promise<void> {
  const current = basename(m.staging);
  const old = readdirSync(m.buildsDir).filter((d) => d !== current && d !== OBJECTS).sort();
  // the tree served until the swap is never deleted here, whatever its name sorts like
  const served = m.previous && dirname(m.previous) === m.buildsDir ? basename(m.previous) : null;
  // an adopted plain folder is the user's, not a build: it may hold files no build writes (a
  // CNAME, notes), so it is kept until they delete it (it was pruned two builds later)
  const builds = old.filter((d) => !d.startsWith(ADOPTED_PREFIX));
  const doomed = new Set(builds.slice(0, Math.max(0, builds.length - KEEP_OLD_BUILDS)).filter((d) => d !== served));
  const deletions = [...doomed].map((d) => rm(join(m.buildsDir, d), { recursive: true, force: true }));
  if (existsSync(m.objectsDir)) {
    const live = new Set<string>();
    for (const b of [current, ...old]) {
      if (doomed.has(b)) continue;
      for (const prefix of SHARDED) {
        const dir = join(m.buildsDir, b, prefix);
        let entries: string[];
        try {
          entries = readdirSync(dir);
        } catch {
          continue;
        }
        for (const e of entries) {
          const at = join(dir, e);
          if (isLink(at)) live.add(resolve(dir, readlinkSync(at)));
        }
      }
    }
    for (const prefix of readdirSync(m.objectsDir)) {
      const dir = join(m.objectsDir, prefix);
      for (const shard of readdirSync(dir)) if (!live.has(join(dir, shard))) deletions.push(rm(join(dir, shard), { recursive: true, force: true }));
    }
  }
  await Promise.all(deletions);
}

/** Sortable unique build id. */
export function newBuildId(now: Date): string {
  return `b${now.toISOString().replace(/[-:.TZ]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Prepares the change that publishes one library version (CLI-6): validates the folder with the
 * builder's own rules and refuses a version the registry already has, before touching anything.
 */
import { cpSync, existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { buildVersion, guardedRead, MANIFEST_FILE, MdlibsError, parseManifest, type Manifest, type PackedTarball, type Problem, type RegistryConfig } from '../../index-builder/src/index.js';
import { slug, type RegistryChange, type RegistrySource } from './change.js';
import { publishError } from './errors.js';

export interface ValidatedLibrary {
  manifest: Manifest;
  name: string;
  version: string;
  /** Registry-relative version folder. */
  folder: string;
  files: { path: string; bytes: Buffer }[];
  tarball: PackedTarball;
}

function invalid(dir: string, problems: readonly Problem[]): MdlibsError<'PUB_INVALID_LIBRARY'> {
  return new MdlibsError('PUB_INVALID_LIBRARY', `${dir} fails validation with ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was published`, { problems, hint: 'fix each problem listed, then publish again (mdlibs publish --dry-run checks without publishing)' });
}

/** Largest .mdlibs.toml publish reads (the builder has no manifest limit of its own; a manifest is a few hundred bytes). */
export const MANIFEST_MAX_BYTES = 64 * 1024;

/**
 * Reads the manifest only when it is a regular file within MANIFEST_MAX_BYTES. It was read with
 * readFileSync before any check: linked to /dev/stdin publish hung, to /dev/zero it read until
 * memory ran out. The file is opened without following a link and without blocking on a FIFO,
 * and checked on the open descriptor, so a swap after the lstat changes nothing.
 */
function readManifest(abs: string): string {
  const file = join(abs, MANIFEST_FILE);
  const refuse = (p: Omit<Problem, 'file'>): never => {
    throw invalid(abs, [{ file: MANIFEST_FILE, ...p }]);
  };
  const missing = () => refuse({ code: 'MDL_MANIFEST_MISSING', message: `${abs} has no ${MANIFEST_FILE}`, hint: 'run mdlibs publish in the library folder, or create one with mdlibs init' });
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(file, { throwIfNoEntry: false });
  } catch {
    link = undefined; // ENOTDIR: the library folder is a file
  }
  if (!link) return missing();
  if (link.isSymbolicLink()) refuse({ code: 'MDL_SYMLINK', message: 'symbolic links are not allowed in a library', hint: `replace the link with a real ${MANIFEST_FILE}` });
  const notRegular = () => refuse({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', message: `${MANIFEST_FILE} is not a regular file (found a folder, device, socket or pipe)`, hint: `make ${MANIFEST_FILE} a regular file (mdlibs init writes one)` });
  const tooLarge = (size: number) => refuse({ code: 'MDL_FILE_TOO_LARGE', message: `${MANIFEST_FILE} is ${size} bytes; the limit is ${MANIFEST_MAX_BYTES}`, hint: `a manifest needs a few hundred bytes: keep the docs in their own files` });
  if (!link.isFile()) notRegular();
  if (link.size > MANIFEST_MAX_BYTES) tooLarge(link.size);
  // the lstat above refuses a link and a socket (which open refuses as ENXIO, not as a file type);
  // the descriptor's own checks make a swap after it change nothing
  const r = guardedRead(file, { maxBytes: MANIFEST_MAX_BYTES, noFollow: true });
  if (r.ok) return r.bytes.toString('utf8');
  if (r.why === 'link') refuse({ code: 'MDL_SYMLINK', message: 'symbolic links are not allowed in a library', hint: `replace the link with a real ${MANIFEST_FILE}` });
  if (r.why === 'not-a-file') notRegular();
  if (r.why === 'too-large') tooLarge(r.size ?? MANIFEST_MAX_BYTES + 1);
  if (r.why === 'changed') refuse({ code: 'MDL_MANIFEST_INVALID', message: `${MANIFEST_FILE} changed while it was read`, hint: 'publish again when nothing else writes to the library folder' });
  return missing();
}

/** Validates a library folder with the registry's limits. Throws PUB_INVALID_LIBRARY with every problem. */
export function validateLibrary(libDir: string, limits: RegistryConfig['limits']): ValidatedLibrary {
  const abs = resolve(libDir);
  const text = readManifest(abs);
  const first = parseManifest(text, MANIFEST_FILE);
  if (!first.manifest) throw invalid(abs, first.problems);
  const { name, version } = first.manifest.library;
  // a library repo checkout (the publish action) has .git/: validate a copy without it
  const tmp = existsSync(join(abs, '.git')) ? mkdtempSync(join(tmpdir(), 'mdlibs-publish-')) : null;
  const dir = tmp ? join(tmp, basename(abs)) : abs;
  let r: ReturnType<typeof buildVersion>;
  try {
    if (tmp) cpSync(abs, dir, { recursive: true, verbatimSymlinks: true, filter: (src) => src !== join(abs, '.git') });
    r = buildVersion(dirname(dir), basename(dir), { name, version }, limits);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  // the folder name of a library checkout is free; only the manifest decides name and version
  const problems = r.problems.filter((p) => p.code !== 'MDL_NAME_MISMATCH' && p.code !== 'MDL_VERSION_MISMATCH');
  if (problems.length || !r.built) throw invalid(abs, problems.length ? problems : r.problems);
  const [scope, short] = name.slice(1).split('/');
  return { manifest: r.built.manifest, name, version, folder: `libraries/@${scope}/${short}/${version}`, files: r.files, tarball: r.built.tarball };
}

/** The change that adds the version folder; refuses an existing or once-deleted version. */
export async function prepareVersion(libDir: string, source: RegistrySource): Promise<{ change: RegistryChange; library: ValidatedLibrary }> {
  const lib = validateLibrary(libDir, source.config.limits);
  if (await source.exists(lib.folder)) {
    throw publishError('PUB_VERSION_EXISTS', `${lib.name}@${lib.version} is already in the registry (${lib.folder})`, 'published versions are immutable: bump version in .mdlibs.toml and publish again');
  }
  if (await source.wasDeleted(lib.folder)) {
    throw publishError('PUB_VERSION_DELETED', `${lib.name}@${lib.version} was published and deleted before`, 'a deleted version number can never be reused: bump version in .mdlibs.toml');
  }
  const l = lib.manifest.library;
  const change: RegistryChange = {
    title: `Publish ${lib.name}@${lib.version}`,
    body: [
      `Publishes **${lib.name}@${lib.version}**: ${l.description}`,
      '',
      `- folder: \`${lib.folder}/\` (${lib.files.length} files, ${lib.tarball.unpackedSize} bytes)`,
      `- license: ${l.license}${l.tags.length ? ` · tags: ${l.tags.join(', ')}` : ''}`,
      `- tarball sha256: \`${lib.tarball.sha256}\``,
      ...Object.entries(lib.manifest.dependencies).map(([d, range]) => `- depends on ${d} ${range}`),
    ],
    branch: `mdlibs/publish-${slug(lib.name)}-${slug(lib.version)}`,
    files: lib.files.map((f) => ({ path: `${lib.folder}/${f.path}`, content: f.bytes })),
  };
  return { change, library: lib };
}

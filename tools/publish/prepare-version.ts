/**
 * Prepares the change that publishes one library version (CLI-6): validates the folder with the
 * builder's own rules and refuses a version the registry already has, before touching anything.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { buildVersion, MANIFEST_FILE, MdlibsError, parseManifest, type Manifest, type PackedTarball, type Problem, type RegistryConfig } from '../../index-builder/src/index.js';
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

/** Validates a library folder with the registry's limits. Throws PUB_INVALID_LIBRARY with every problem. */
export function validateLibrary(libDir: string, limits: RegistryConfig['limits']): ValidatedLibrary {
  const abs = resolve(libDir);
  let text: string;
  try {
    text = readFileSync(`${abs}/${MANIFEST_FILE}`, 'utf8');
  } catch {
    throw invalid(abs, [{ code: 'MDL_MANIFEST_MISSING', file: MANIFEST_FILE, message: `${abs} has no ${MANIFEST_FILE}`, hint: 'run mdlibs publish in the library folder, or create one with mdlibs init' }]);
  }
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

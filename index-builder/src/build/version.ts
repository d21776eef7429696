/** Validates and packs one version folder: everything that depends only on that folder. */
import { join, posix } from 'node:path';
import { lstatSync, readFileSync } from 'node:fs';
import type { Problem } from '../errors.js';
import { stripControlChars } from '../format/names.js';
import type { DocEntry } from '../format/protocol.js';
import type { Manifest, RegistryConfig } from '../format/source-schema.js';
import { analyzeMarkdown } from '../parse/markdown.js';
import { MANIFEST_FILE, parseManifest } from '../parse/manifest.js';
import { packTarball, type PackedTarball } from '../pack/tarball.js';
import { readVersionFolder } from '../read/version-folder.js';
import { ALLOWED_TYPES_HINT, checkFileNames, checkImage, decodeText, fileKind, type LibraryFile } from '../validate/files.js';
import { checkLinks } from '../validate/links.js';

export interface VersionSearchInfo {
  titles: string;
  headings: string;
}

export interface BuiltVersion {
  manifest: Manifest;
  tarball: PackedTarball;
  docs: DocEntry[];
  search: VersionSearchInfo;
}

export type Limits = RegistryConfig['limits'];

export function toReadLimits(l: Limits) {
  return { maxFileBytes: l.max_file_bytes, maxLibraryBytes: l.max_library_bytes, maxFiles: l.max_files };
}

/** Validates file contents and collects doc info. Pure apart from its inputs. */
/** Most characters of a version's document titles, and of its headings, in the search index. */
export const SEARCH_TEXT_MAX = 4000;

export function analyzeFiles(files: readonly LibraryFile[], folder: string, limits: Limits): { docs: DocEntry[]; search: VersionSearchInfo; problems: Problem[] } {
  const problems: Problem[] = [...checkFileNames(files.map((f) => f.path), folder)];
  const paths = new Set(files.map((f) => f.path));
  const docs: DocEntry[] = [];
  const headings: string[] = [];
  if (!paths.has('README.md')) {
    problems.push({ code: 'MDL_README_MISSING', file: folder, message: 'version folder has no README.md', hint: 'add a README.md: it is the library page' });
  }
  const fm = { maxFrontmatterBytes: limits.max_frontmatter_bytes, maxFrontmatterNodes: limits.max_frontmatter_nodes };
  for (const f of files) {
    const kind = fileKind(f.path);
    const file = `${folder}/${f.path}`;
    if (kind === null) {
      problems.push({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file, message: `file type of "${posix.basename(f.path)}" is not allowed`, hint: ALLOWED_TYPES_HINT });
      continue;
    }
    if (kind === 'image') {
      const p = checkImage(file, f.bytes);
      if (p) problems.push(p);
      continue;
    }
    if (kind === 'manifest') continue;
    const decoded = decodeText(file, f.bytes);
    if ('problem' in decoded) {
      problems.push(decoded.problem);
      continue;
    }
    if (kind !== 'markdown') continue;
    const { info, problems: mdProblems } = analyzeMarkdown(decoded.text, file, fm);
    problems.push(...mdProblems, ...checkLinks(f.path, info.links, paths, folder));
    const title = stripControlChars(info.title ?? posix.basename(f.path).replace(/\.(md|markdown)$/i, ''));
    docs.push({ path: f.path, title, description: info.description === null ? null : stripControlChars(info.description) });
    for (const h of info.headings) headings.push(stripControlChars(h));
  }
  return {
    docs,
    // both bounded: a library's search text must not outweigh the others by its bulk (990 stuffed
    // titles made a library rank second for words of every other library's description)
    search: { titles: docs.map((d) => d.title).join(' · ').slice(0, SEARCH_TEXT_MAX), headings: headings.join(' · ').slice(0, SEARCH_TEXT_MAX) },
    problems,
  };
}

/**
 * Reads, validates and packs `<root>/<rel>`. Returns the problems when it cannot be built.
 */
export function buildVersion(root: string, rel: string, expected: { name: string; version: string }, limits: Limits): { built: BuiltVersion | null; files: LibraryFile[]; problems: Problem[] } {
  const abs = join(root, rel);
  let text: string;
  const at = `${rel}/${MANIFEST_FILE}`;
  try {
    const st = lstatSync(join(abs, MANIFEST_FILE));
    if (st.isSymbolicLink()) {
      // never read through it: the target may be any file on the build machine
      return { built: null, files: [], problems: [{ code: 'MDL_SYMLINK', file: at, message: 'symbolic links are not allowed in a library', hint: `replace the link with a real ${MANIFEST_FILE}` }] };
    }
    // a named pipe would block the build forever, a device or a huge file exhaust its memory
    if (!st.isFile()) {
      return { built: null, files: [], problems: [{ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file: at, message: 'only regular files and folders are allowed (found a device, socket, pipe or folder)', hint: `make ${MANIFEST_FILE} a regular file` }] };
    }
    if (st.size > limits.max_file_bytes) {
      return { built: null, files: [], problems: [{ code: 'MDL_FILE_TOO_LARGE', file: at, message: `file is ${st.size} bytes; the limit is ${limits.max_file_bytes}`, hint: `a manifest is a few lines: keep ${MANIFEST_FILE} to the fields docs/library-format.md lists` }] };
    }
    text = readFileSync(join(abs, MANIFEST_FILE), 'utf8');
  } catch {
    return { built: null, files: [], problems: [{ code: 'MDL_MANIFEST_MISSING', file: rel, message: `version folder has no ${MANIFEST_FILE}`, hint: `add ${MANIFEST_FILE} with [library] name = "${expected.name}" and version = "${expected.version}" (mdlibs init writes one)` }] };
  }
  const { manifest, problems } = parseManifest(text, `${rel}/${MANIFEST_FILE}`, expected);
  const read = readVersionFolder(abs, rel, manifest?.library, toReadLimits(limits));
  problems.push(...read.problems);
  // Over the file-count or size limit, nothing was read: checking the (empty) file set would only add false problems.
  const aborted = read.problems.some((p) => p.code === 'MDL_TOO_MANY_FILES' || p.code === 'MDL_LIBRARY_TOO_LARGE');
  const analysis = aborted ? { docs: [], search: { titles: '', headings: '' }, problems: [] } : analyzeFiles(read.files, rel, limits);
  problems.push(...analysis.problems);
  if (!manifest || problems.length) return { built: null, files: read.files, problems };
  return { built: { manifest, tarball: packTarball(read.files), docs: analysis.docs, search: analysis.search }, files: read.files, problems };
}

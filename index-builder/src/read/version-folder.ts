/** Reads the files of one version folder from disk, refusing symlinks and oversize content early. */
import fg from 'fast-glob';
import { lstatSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Problem } from '../errors.js';
import { sanitizeForMessage } from '../format/names.js';
import type { Manifest } from '../format/source-schema.js';
import { MANIFEST_FILE } from '../parse/manifest.js';
import type { LibraryFile } from '../validate/files.js';

export interface ReadLimits {
  maxFileBytes: number;
  maxLibraryBytes: number;
  maxFiles: number;
}

export interface VersionFolderRead {
  files: LibraryFile[];
  problems: Problem[];
}

const ALWAYS = [MANIFEST_FILE, 'README.md'];

/**
 * Lists the files to pack (include/exclude applied), in byte order of their paths.
 * `rel` is the folder's path relative to the registry root, for messages.
 */
export function readVersionFolder(abs: string, rel: string, manifest: Pick<Manifest['library'], 'include' | 'exclude'> | undefined, limits: ReadLimits): VersionFolderRead {
  const problems: Problem[] = [];
  const entries = fg.sync(manifest?.include ?? ['**'], {
    cwd: abs, dot: true, onlyFiles: false, followSymbolicLinks: false, objectMode: true, ignore: manifest?.exclude ?? [], unique: true,
    suppressErrors: true, // a glob through a file (`README.md/x`) would otherwise throw ENOTDIR and crash the build
  });
  const picked = new Set<string>();
  let escaped = false;
  for (const e of entries) {
    const norm = posix.normalize(e.path);
    if (posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
      // the manifest check refuses such globs; this guard keeps the read inside the folder whatever the glob
      if (!escaped) problems.push({ code: 'MDL_PATH_ESCAPES', file: `${rel}/${MANIFEST_FILE}`, field: 'library.include', message: `an include glob matched "${sanitizeForMessage(e.path)}", outside the library folder`, hint: 'use globs relative to the version folder without .. or a leading /' });
      escaped = true;
      continue;
    }
    if (e.dirent.isSymbolicLink()) {
      problems.push({ code: 'MDL_SYMLINK', file: `${rel}/${e.path}`, message: 'symbolic links are not allowed in a library', hint: 'replace the link with a copy of the file it points to' });
    } else if (e.dirent.isFile()) picked.add(e.path);
    else if (!e.dirent.isDirectory()) {
      problems.push({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file: `${rel}/${e.path}`, message: 'only regular files and folders are allowed (found a device, socket or pipe)', hint: 'remove it: a library holds only regular files and folders' });
    }
  }
  for (const a of ALWAYS) {
    try {
      if (lstatSync(join(abs, a)).isFile()) picked.add(a);
    } catch {
      /* missing: reported by the caller */
    }
  }
  const paths = [...picked].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (paths.length > limits.maxFiles) {
    problems.push({ code: 'MDL_TOO_MANY_FILES', file: rel, message: `version folder has ${paths.length} files; the limit is ${limits.maxFiles}`, hint: 'split the library or exclude generated files in .mdlibs.toml' });
    return { files: [], problems };
  }
  const files: LibraryFile[] = [];
  let total = 0;
  for (const p of paths) {
    const full = join(abs, p);
    const st = lstatSync(full);
    if (st.size > limits.maxFileBytes) {
      problems.push({ code: 'MDL_FILE_TOO_LARGE', file: `${rel}/${p}`, message: `file is ${st.size} bytes; the limit is ${limits.maxFileBytes}`, hint: 'shrink or split the file, or exclude it in .mdlibs.toml' });
      continue;
    }
    total += st.size;
    if (total > limits.maxLibraryBytes) {
      problems.push({ code: 'MDL_LIBRARY_TOO_LARGE', file: rel, message: `version folder is over ${limits.maxLibraryBytes} bytes`, hint: 'split the library or exclude large assets in .mdlibs.toml' });
      return { files: [], problems };
    }
    files.push({ path: p, bytes: readFileSync(full) });
  }
  return { files, problems };
}

/** Pure checks on the set of files of one version folder (BUILD-1, SEC-2). */
import type { Problem } from '../errors.js';
import { MANIFEST_FILE } from '../parse/manifest.js';

export interface LibraryFile {
  /** POSIX path relative to the version folder. */
  path: string;
  bytes: Buffer;
}

export type FileKind = 'markdown' | 'text' | 'image' | 'manifest';

const TEXT_EXT = new Set(['.txt']);
const MARKDOWN_EXT = new Set(['.md', '.markdown']);
const IMAGE_MAGIC: Record<string, (b: Buffer) => boolean> = {
  '.png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  '.jpg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  '.jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  '.gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  '.webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
const PLAIN_NAMES = /^(LICENSE|LICENCE|NOTICE|CHANGELOG|AUTHORS)(\.txt)?$/;

export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** What kind of file this is, or null when the type is not allowed in a library. */
export function fileKind(path: string): FileKind | null {
  if (path === MANIFEST_FILE) return 'manifest';
  const ext = extensionOf(path);
  if (MARKDOWN_EXT.has(ext)) return 'markdown';
  if (TEXT_EXT.has(ext) || PLAIN_NAMES.test(path.slice(path.lastIndexOf('/') + 1))) return 'text';
  if (ext in IMAGE_MAGIC) return 'image';
  return null;
}

export const ALLOWED_TYPES_HINT = 'libraries hold markdown (.md), plain text (.txt, LICENSE, CHANGELOG) and images (.png .jpg .gif .webp); remove the file or add it to exclude in .mdlibs.toml';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Line number (1-based) of the first byte that is not valid UTF-8. */
function firstBadUtf8Line(b: Buffer): number {
  let lo = 0;
  let hi = b.length;
  // binary search for the longest valid prefix (TextDecoder has no error offset)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  let line = 1;
  for (let i = 0; i < lo; i++) if (b[i] === 0x0a) line++;
  return line;
}

/** Decodes a text file, or returns the problem that stops it. */
export function decodeText(file: string, bytes: Buffer): { text: string } | { problem: Problem } {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    let line = 1;
    for (let i = 0; i < nul; i++) if (bytes[i] === 0x0a) line++;
    return { problem: { code: 'MDL_BINARY_CONTENT', file, line, message: 'file holds binary data (NUL bytes) but has a text extension', hint: 'remove the file or replace it with real text; binary assets must be images with a matching extension' } };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { problem: { code: 'MDL_ENCODING_INVALID', file, line: firstBadUtf8Line(bytes), message: 'file is not valid UTF-8', hint: 're-save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)' } };
  }
}

/** Checks an image's bytes match its extension. */
export function checkImage(file: string, bytes: Buffer): Problem | null {
  const check = IMAGE_MAGIC[extensionOf(file)];
  if (check && check(bytes)) return null;
  return { code: 'MDL_BINARY_CONTENT', file, message: `file content does not match its ${extensionOf(file)} extension`, hint: 'store real image files only; rename or remove it' };
}

/** Rules on names across the file set: case collisions, odd characters. */
export function checkFileNames(paths: readonly string[], folder: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const p of paths) {
    if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\:*?"<>|]/.test(p)) {
      problems.push({ code: 'MDL_LAYOUT_INVALID', file: `${folder}/${p.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?')}`, message: 'file name holds control characters or one of \\ : * ? " < > |', hint: 'rename the file with plain letters, digits, dots, hyphens and underscores' });
      continue;
    }
    const key = p.normalize('NFC').toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      problems.push({ code: 'MDL_CASE_COLLISION', file: `${folder}/${p}`, message: `"${p}" and "${other}" differ only by letter case (or Unicode normalisation)`, hint: 'rename one of them; libraries must unpack the same on case-insensitive file systems' });
    } else seen.set(key, p);
  }
  return problems;
}

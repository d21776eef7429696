/**
 * The build record (`build-record.json`): what each published version was, keyed by
 * `@scope/name@version`. Drives incremental builds (BUILD-3) and immutability (BUILD-4).
 */
import { isAscii } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MdlibsError } from '../errors.js';
import { PATHS } from '../format/paths.js';
import { versionEntrySchema } from '../format/protocol.js';

/** Bump when outputs for the same input change, to force a full rebuild. */
export const BUILDER_FORMAT = 'mdlibs-build/1';

/**
 * What the record keeps of a version: its index entry minus what the build derives again
 * (path, version, yank state from meta.toml), plus the input key, links and search text.
 */
export const recordVersionSchema = versionEntrySchema.omit({ version: true, tarball: true, yanked: true, yankedReason: true }).extend({
  key: z.string(),
  repository: z.string().nullable(),
  homepage: z.string().nullable(),
  search: z.object({ titles: z.string(), headings: z.string() }),
});
export type RecordVersion = z.infer<typeof recordVersionSchema>;

export const tombstoneSchema = z.object({ sha256: z.string(), integrity: z.string() });

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Versions are checked shallowly when a record is read (the fields the builder keys on): a full
 * schema parse of a 10,000-library record costs about as much as the JSON parse itself and the
 * record is the builder's own output; `recordVersionSchema` documents the whole shape. A plain
 * function rather than a zod object: on a 20,000-version record zod's object parse took
 * 134-238 ms (3 runs on the bench registry's record), this check a few ms.
 */
function isShallowVersion(v: unknown): v is RecordVersion {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const search = o.search as Record<string, unknown> | null | undefined;
  return typeof o.key === 'string' && typeof o.sha256 === 'string' && SHA256_HEX.test(o.sha256) && typeof o.integrity === 'string' && typeof o.publishedAt === 'string'
    && Array.isArray(o.docs) && typeof search === 'object' && search !== null && typeof search.titles === 'string' && typeof search.headings === 'string';
}

export const buildRecordSchema = z.object({
  record: z.literal(1),
  builder: z.string(),
  /** Hash of the limits in force: other limits mean a full re-validation. */
  limits: z.string(),
  versions: z.record(z.string(), z.custom<RecordVersion>(isShallowVersion)),
  deleted: z.record(z.string(), tombstoneSchema),
  /** `@scope/name` -> sha256 of its emitted index JSON. */
  libraries: z.record(z.string(), z.string()),
  /**
   * `@scope/name` -> sha256 of what its index file is made of besides its versions' records
   * (visibility, meta.toml, version list). When these and every record are unchanged, the next
   * build carries the index hash over. Changing how index files are assembled needs a new
   * BUILDER_FORMAT (test/builder/roundtrip.test.ts pins the shape).
   */
  libraryInputs: z.record(z.string(), z.string()).default({}),
  /** Derived file (e.g. `search/index.json`) -> sha256 of the input it was made from. */
  outputs: z.record(z.string(), z.string()).default({}),
  /**
   * Search document id -> hash of the document the output's search/index.json holds. Present
   * when that index is canonical (search/merge-index.ts): the next build updates it in place of
   * re-indexing every document.
   */
  searchDocs: z.record(z.string(), z.string()).optional(),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

export function emptyRecord(limits: string): BuildRecord {
  return { record: 1, builder: BUILDER_FORMAT, limits, versions: {}, deleted: {}, libraries: {}, libraryInputs: {}, outputs: {} };
}

export function versionId(full: string, version: string): string {
  return `${full}@${version}`;
}

/** A record file as read: its text, and whether it is all ASCII (then its version texts can be reused). */
export interface RecordFile {
  path: string;
  text: string;
  ascii: boolean;
}

/** The record file of a previous output tree, read on the thread pool; null when there is none. */
export async function readRecordFile(dir: string | null): Promise<RecordFile | null> {
  if (!dir) return null;
  const path = join(dir, PATHS.buildRecord);
  try {
    // bytes on the thread pool, decoded here in one go (readFile's own decoding goes chunk by chunk:
    // 1.5x slower at 47 MB); an ASCII file (what recordChunks writes) is copied, not decoded
    const bytes = await readFile(path);
    const ascii = isAscii(bytes);
    return { path, text: bytes.toString(ascii ? 'latin1' : 'utf8'), ascii };
  } catch (e) {
    // none there (or the output path is not a folder: the builder refuses it with its own error)
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * Text of a version's entry as the previous record holds it, by the parsed entry: written again
 * as it was when the next record takes the entry over unchanged (the same object), instead of
 * serializing 20,000 entries anew at 10,000 libraries.
 */
export type RecordTexts = WeakMap<RecordVersion, string>;

/**
 * Parses a record file. With `texts`, and when the file is ASCII and laid out as recordChunks
 * writes it (one version entry a line), each version entry is parsed from its own line and its
 * text added to `texts`: the text is then by construction the JSON of that entry.
 */
export function parseRecord(file: RecordFile | null, texts?: RecordTexts): BuildRecord | null {
  if (!file) return null;
  const invalid = () => new MdlibsError('MDL_RECORD_INVALID', `${file.path} is not a valid build record`, { hint: 'restore the previous output tree, or delete the output folder to start over (immutability checks then start from scratch)' });
  const byLine = texts && file.ascii ? parseByLine(file.text) : null;
  let raw: unknown = byLine?.raw;
  if (!byLine) {
    try {
      raw = JSON.parse(file.text);
    } catch {
      throw invalid();
    }
  }
  const res = buildRecordSchema.safeParse(raw);
  if (!res.success) throw invalid();
  if (texts && byLine) for (const [v, t] of byLine.texts) texts.set(v as RecordVersion, t);
  return res.data;
}

const VERSIONS_OPEN = '"versions":{\n';
const VERSIONS_CLOSE = '\n}';

/**
 * The record parsed with its version entries one a line: `"id":{...},` on each line but the
 * last, which has no comma. Null when the text is not laid out so (or a line is not valid JSON):
 * the caller then parses the whole text. Lines start with a quote, so the first line break
 * followed by a brace closes the entries.
 */
function parseByLine(text: string): { raw: unknown; texts: [object, string][] } | null {
  const open = text.indexOf(VERSIONS_OPEN);
  const start = open + VERSIONS_OPEN.length;
  const close = open < 0 ? -1 : text.indexOf(VERSIONS_CLOSE, start - 1);
  if (close < start) return null;
  const versions: Record<string, unknown> = {};
  const texts: [object, string][] = [];
  try {
    for (let pos = start; pos <= close;) {
      const end = text.indexOf('\n', pos);
      const last = end === close;
      const lineEnd = last ? end : end - 1;
      if (!last && text.charCodeAt(lineEnd) !== 44 /* , */) return null;
      const colon = text.indexOf('":', pos) + 1;
      if (colon <= pos || colon >= lineEnd) return null;
      const id = JSON.parse(text.slice(pos, colon)) as unknown;
      const entryText = text.slice(colon + 1, lineEnd);
      const entry = JSON.parse(entryText) as unknown;
      if (typeof id !== 'string' || typeof entry !== 'object' || entry === null) return null;
      versions[id] = entry;
      texts.push([entry, entryText]);
      pos = end + 1;
    }
    const raw = JSON.parse(`${text.slice(0, open)}"versions":{}${text.slice(close + VERSIONS_CLOSE.length)}`) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    raw.versions = versions;
    return { raw, texts };
  } catch {
    return null;
  }
}

const NON_ASCII = /[\u0080-\uffff]/g;

/** JSON text with every non-ASCII character escaped (`\u00b7`): the same value, ASCII bytes. */
export function asciiJson(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The record's JSON in pieces, ASCII only, one version entry a line (`batch` entries a piece):
 * the text is never held whole (~47 MB at 10,000 libraries), an entry found in `texts` is
 * written as read, and the next build parses each entry from its own line (parseByLine).
 * Parsed, it is the record (members in the same order; undefined members left out).
 */
export function* recordChunks(record: BuildRecord, texts?: RecordTexts, batch = 1000): Generator<string> {
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:`;
    first = false;
    if (k !== 'versions') {
      out += asciiJson(JSON.stringify(v));
      continue;
    }
    const entries = Object.entries(v as BuildRecord['versions']);
    if (!entries.length) {
      out += '{}';
      continue;
    }
    out += '{\n';
    for (let i = 0; i < entries.length; i++) {
      const [id, entry] = entries[i] as [string, RecordVersion];
      out += `${asciiJson(JSON.stringify(id))}:${texts?.get(entry) ?? asciiJson(JSON.stringify(entry))}${i < entries.length - 1 ? ',' : ''}\n`;
      if ((i + 1) % batch === 0) {
        yield out;
        out = '';
      }
    }
    out += '}';
  }
  yield `${out}}`;
}

/** Merges the public and private records of the previous build. */
export function mergeRecords(a: BuildRecord | null, b: BuildRecord | null): BuildRecord | null {
  if (!a) return b;
  if (!b) return a;
  return { ...a, versions: { ...a.versions, ...b.versions }, deleted: { ...a.deleted, ...b.deleted }, libraries: { ...a.libraries, ...b.libraries }, libraryInputs: { ...a.libraryInputs, ...b.libraryInputs }, outputs: { ...a.outputs, ...b.outputs } };
}

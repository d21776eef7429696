/**
 * The build record's file (`build-record.json`): read in one go, parsed one version entry a line,
 * written in pieces in ASCII with the unchanged entries copied from the previous file.
 */
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { MdlibsError } from '../errors.js';
import { PATHS } from '../format/paths.js';
import { guardedReadAsync } from '../read/guarded-read.js';
import { buildRecordSchema, isShallowVersion, recordVersionSchema, UNPARSED, type BuildRecord, type RecordVersion } from './record.js';

/** A record file as read: its bytes, whether they are all ASCII, and its size and time (to find it unchanged later). */
export interface RecordFile {
  path: string;
  bytes: Buffer;
  ascii: boolean;
  size: number;
  mtimeMs: number;
}

/**
 * Largest record file read: the longest string V8 holds (a record is ~52 MB at 10,000 libraries).
 * A larger one is not the builder's: MDL_RECORD_INVALID.
 */
export const RECORD_MAX_BYTES = 0x1fffffe8;

/** The record file of a previous output tree, read on the thread pool; null when there is none. */
export async function readRecordFile(dir: string | null): Promise<RecordFile | null> {
  if (!dir) return null;
  const path = join(dir, PATHS.buildRecord);
  const invalid = (why: string) => new MdlibsError('MDL_RECORD_INVALID', `${path} ${why}`, { hint: 'restore the previous output tree, or delete the output folder to start over (immutability checks then start from scratch)' });
  const changed = () => new MdlibsError('MDL_RECORD_INVALID', `${path} changed while it was read`, { hint: 'run the build again; only one build may write an output at a time' });
  // never blocks on a named pipe (the open itself would wait for a writer); a pipe blocked the
  // build forever, a folder crashed it (EISDIR), and a file larger than a string can hold crashed
  // it too (allocUnsafe over 4 GiB, toString over 512 MiB). One read on the thread pool (readFile
  // reads 512 KB at a time, each next read waiting for this thread, busy reading the registry's
  // folders: ~0.3 s for a 52 MB record).
  const r = await guardedReadAsync(path, { maxBytes: RECORD_MAX_BYTES });
  if (!r.ok) {
    switch (r.why) {
      // none there (or the output path is not a folder: the builder refuses it with its own error)
      case 'missing':
        return null;
      case 'not-a-file':
        throw invalid('is not a regular file (found a folder, device, socket or pipe)');
      case 'too-large':
        throw invalid(`is ${r.size ?? 'over'} bytes, more than a build record can be (${RECORD_MAX_BYTES})`);
      case 'changed':
        throw changed();
      default:
        throw invalid(`cannot be read (${r.code ?? 'error'})`);
    }
  }
  const { bytes, stats: { size, mtimeMs } } = r;
  if (bytes.length < size) throw changed();
  // an ASCII file (what recordChunks writes) is parsed from its bytes line by line (parseByLine),
  // never decoded whole: decoding the 52 MB took ~80 ms of every rebuild at 10,000 libraries
  return { path, bytes, ascii: isAscii(bytes), size, mtimeMs };
}

/**
 * Where each version entry of the previous records is, as `"id":{...}` bytes of its file: the
 * next record copies an entry it takes over unchanged (the same object) from there instead of
 * serializing 20,000 entries anew at 10,000 libraries, and without keeping the files' text.
 */
export class RecordSpans {
  private readonly spans = new WeakMap<RecordVersion, { file: RecordFileRef; start: number; end: number }>();

  add(entry: RecordVersion, file: RecordFileRef, start: number, end: number): void {
    this.spans.set(entry, { file, start, end });
  }

  get(entry: RecordVersion): { file: RecordFileRef; start: number; end: number } | undefined {
    return entry instanceof LazyVersion ? entry.line() : this.spans.get(entry);
  }
}

/** A record file without its bytes (a span must not keep the 52 MB file alive). */
export type RecordFileRef = Pick<RecordFile, 'path' | 'size' | 'mtimeMs'>;

/**
 * Parses a record file. With `spans`, and when the file is ASCII and laid out as recordChunks
 * writes it (one version entry a line), each version entry is parsed from its own line and the
 * line's place added to `spans`: those bytes are then by construction the JSON of that entry.
 * Such an entry's `docs` and `search` (its last two members, ~64 % of the record's bytes) are
 * parsed when first read (lazyTail). The entries of the scopes `lazyScopes` names (given the
 * record without its versions, checked) are not parsed at all until a member is read
 * (LazyVersion): the scopes a build takes over, whose entries it copies and does not read.
 */
export function parseRecord(file: RecordFile | null, spans?: RecordSpans, lazyScopes?: (head: BuildRecord) => ReadonlySet<string>): BuildRecord | null {
  if (!file) return null;
  const ref: RecordFileRef = { path: file.path, size: file.size, mtimeMs: file.mtimeMs };
  // the record without its versions, checked once, when lazyScopes is asked
  let head: BuildRecord | null = null;
  const lazyOf = (rest: unknown): ReadonlySet<string> => {
    if (!lazyScopes) return NONE;
    const checked = buildRecordSchema.safeParse(rest);
    if (!checked.success) return NONE;
    head = checked.data;
    return lazyScopes(checked.data);
  };
  const byLine = spans && file.ascii ? parseByLine(file.bytes, ref, lazyOf) : null;
  let raw: unknown = byLine?.raw;
  if (!byLine) {
    try {
      raw = JSON.parse(file.bytes.toString(file.ascii ? 'latin1' : 'utf8'));
    } catch {
      throw recordInvalid(file.path);
    }
  }
  let record: BuildRecord;
  if (byLine && head) {
    const versions = buildRecordSchema.shape.versions.safeParse(byLine.versions);
    if (!versions.success) throw recordInvalid(file.path);
    record = { ...(head as BuildRecord), versions: versions.data };
  } else {
    const res = buildRecordSchema.safeParse(raw);
    if (!res.success) throw recordInvalid(file.path);
    record = res.data;
  }
  if (spans && byLine) for (const [entry, start, end] of byLine.lines) spans.add(entry as RecordVersion, ref, start, end);
  return record;
}

const NONE: ReadonlySet<string> = new Set();

const recordInvalid = (path: string) => new MdlibsError('MDL_RECORD_INVALID', `${path} is not a valid build record`, { hint: 'restore the previous output tree, or delete the output folder to start over (immutability checks then start from scratch)' });
const recordChanged = (path: string) => new MdlibsError('MDL_RECORD_INVALID', `${path} changed while the build read it`, { hint: 'run the build again; only one build may write an output at a time' });

const VERSIONS_OPEN = Buffer.from('"versions":{\n');
const VERSIONS_CLOSE = Buffer.from('\n}');
/** Where an entry's tail starts as recordChunks writes it: `docs`, then `search`, close its members. */
const TAIL_OPEN = Buffer.from(',"docs":[');
/**
 * `},"`: in a tail as recordChunks writes it a closing brace is followed by `,{` (the next doc),
 * `]` or the end of the entry; here it would start another member or entry after the tail's
 * object (two entries on one line): that line is then parsed whole, and fails.
 */
const NEXT_MEMBER = Buffer.from('},"');
const LF = 10;

/**
 * The record parsed with its version entries one a line: `"id":{...},` on each line but the
 * last, which has no comma. Null when the bytes are not laid out so (or a line is not valid JSON):
 * the caller then parses the whole text. Lines start with a quote, so the first line break
 * followed by a brace closes the entries. Each entry comes with the place of its line (without
 * the comma) when its key is written as recordChunks writes it.
 *
 * The bytes are ASCII: each piece is decoded on its own (latin1, a copy). An entry is split where
 * its `"docs"` member starts: a quote after a comma is never inside a JSON string (a quote there
 * is escaped), and the head parses only if that comma separates the entry's own members (a
 * nested one would leave a brace open). The head is parsed now and the tail when first read: a
 * one-library rebuild of 10,000 libraries reads the docs of a few hundred of its 20,000 entries.
 * Parsing each line whole took ~185 ms of such a rebuild (standalone), the heads ~75 ms.
 */
function parseByLine(bytes: Buffer, ref: RecordFileRef, lazyOf: (rest: unknown) => ReadonlySet<string>): { raw: unknown; versions: Record<string, unknown>; lines: [object, number, number][] } | null {
  const open = bytes.indexOf(VERSIONS_OPEN);
  const start = open + VERSIONS_OPEN.length;
  const close = open < 0 ? -1 : bytes.indexOf(VERSIONS_CLOSE, start - 1);
  if (close < start) return null;
  const versions: Record<string, unknown> = {};
  const lines: [object, number, number][] = [];
  try {
    const raw = JSON.parse(`${bytes.toString('latin1', 0, open)}"versions":{}${bytes.toString('latin1', close + VERSIONS_CLOSE.length)}`) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    const lazy = lazyOf(raw);
    for (let pos = start; pos <= close;) {
      const end = bytes.indexOf(LF, pos);
      const last = end === close;
      const lineEnd = last ? end : end - 1;
      if (!last && bytes[lineEnd] !== 44 /* , */) return null;
      const colon = bytes.indexOf('":', pos) + 1;
      if (colon <= pos || colon >= lineEnd) return null;
      const keyText = bytes.toString('latin1', pos, colon);
      const id = JSON.parse(keyText) as unknown;
      if (typeof id !== 'string') return null;
      const canonical = keyText === asciiJson(JSON.stringify(id));
      if (lazy.size && lazy.has(id.slice(1, id.indexOf('/')))) {
        // checked when read (LazyVersion.load), and copied as it is if never read
        if (bytes[colon + 1] !== 123 /* { */ || bytes[lineEnd - 1] !== 125 /* } */) return null;
        versions[id] = new LazyVersion(ref, colon + 1, lineEnd, canonical ? pos : -1);
        pos = end + 1;
        continue;
      }
      const tail = bytes.indexOf(TAIL_OPEN, colon + 1);
      const split = tail > colon && tail < lineEnd && bytes[lineEnd - 1] === 125 /* } */ && bytes.subarray(tail, lineEnd).indexOf(NEXT_MEMBER) < 0;
      const entry = JSON.parse(split ? `${bytes.toString('latin1', colon + 1, tail)}}` : bytes.toString('latin1', colon + 1, lineEnd)) as unknown;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return null;
      if (split) lazyTail(entry, ref, tail + 1, lineEnd);
      versions[id] = entry;
      if (canonical) lines.push([entry, pos, lineEnd]);
      pos = end + 1;
    }
    raw.versions = versions;
    return { raw, versions, lines };
  } catch {
    return null;
  }
}

/**
 * A version entry not parsed yet: the bytes [start, end) of the record file hold its JSON. Reading
 * any member parses it (then checks it as isShallowVersion does, docs and search included; a
 * file changed since, or an entry that is not one, is MDL_RECORD_INVALID), and JSON.stringify
 * gives the parsed entry. An entry never read is copied to the next record as it was
 * (recordChunks). At 10,000 libraries, parsing the heads of the 20,000 entries took ~0.45 s of a
 * one-library rebuild, with its garbage collection; a build reads those of the scopes it does not
 * take over.
 */
class LazyVersion {
  readonly #file: RecordFileRef;
  readonly #start: number;
  readonly #end: number;
  /** Where its line starts (its key; -1: not written as recordChunks writes keys, never copied). */
  readonly #lineStart: number;
  #value: RecordVersion | null = null;

  constructor(file: RecordFileRef, start: number, end: number, lineStart: number) {
    this.#file = file;
    this.#start = start;
    this.#end = end;
    this.#lineStart = lineStart;
  }

  get [UNPARSED](): boolean {
    return this.#value === null;
  }

  /** Its line in the file, as RecordSpans has the other entries'. */
  line(): { file: RecordFileRef; start: number; end: number } | undefined {
    return this.#lineStart < 0 ? undefined : { file: this.#file, start: this.#lineStart, end: this.#end };
  }

  load(): RecordVersion {
    if (this.#value) return this.#value;
    const bytes = readSpan(this.#file, this.#start, this.#end);
    if (bytes === null) throw recordChanged(this.#file.path);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('latin1'));
    } catch {
      throw recordInvalid(this.#file.path);
    }
    if (!isShallowVersion(value)) throw recordInvalid(this.#file.path);
    this.#value = value;
    return value;
  }

  toJSON(): RecordVersion {
    return this.load();
  }
}
for (const key of Object.keys(recordVersionSchema.shape)) {
  Object.defineProperty(LazyVersion.prototype, key, {
    get(this: LazyVersion) {
      return this.load()[key as keyof RecordVersion];
    },
    enumerable: true,
    configurable: true,
  });
}

/**
 * Gives `entry` its `docs` and `search` members as properties that parse `{` + the bytes [start,
 * end) of the record file when either is first read, then become plain members (in the same
 * place of the key order, so the entry serializes as before). That text must hold exactly those
 * two members, docs a list and search its titles and headings; else reading them throws
 * MDL_RECORD_INVALID (the build stops before writing anything), as does a file changed since it
 * was parsed. Until then the record's check has seen only the entry's head (record.ts
 * isShallowVersion), and a tail never read goes to the next record as it was (the entry's line is
 * copied). The tail is read again from the file, not kept: holding the 52 MB file for the build
 * put a rebuild that renders every page anew (a new mdlibs) at 524 MB of peak RSS, over 512.
 */
function lazyTail(entry: object, file: RecordFileRef, start: number, end: number): void {
  TAILS.set(entry, { file, start, end });
  Object.defineProperty(entry, 'docs', DOCS_PROPERTY);
  Object.defineProperty(entry, 'search', SEARCH_PROPERTY);
}

interface TailSource {
  file: RecordFileRef;
  start: number;
  end: number;
}

/**
 * Where each lazy entry's tail is. The getters are the same two functions for every entry: V8
 * then gives all entries one shape (a getter of its own per entry gave each its own, and every
 * later read of any entry's fields went slow: the assemble and files phases of a rebuild took
 * ~60 and ~50 ms longer).
 */
const TAILS = new WeakMap<object, TailSource>();

function loadTail(entry: object): { docs: unknown; search: unknown } {
  const source = TAILS.get(entry) as TailSource;
  const bytes = readSpan(source.file, source.start, source.end);
  if (bytes === null) throw recordChanged(source.file.path);
  let tail: unknown;
  try {
    tail = JSON.parse(`{${bytes.toString('latin1')}`);
  } catch {
    throw recordInvalid(source.file.path);
  }
  const t = tail as { docs?: unknown; search?: { titles?: unknown; headings?: unknown } | null };
  const keys = Object.keys(tail as object);
  if (keys.length !== 2 || keys[0] !== 'docs' || keys[1] !== 'search' || !Array.isArray(t.docs) || typeof t.search !== 'object' || t.search === null
    || typeof t.search.titles !== 'string' || typeof t.search.headings !== 'string') throw recordInvalid(source.file.path);
  for (const key of ['docs', 'search'] as const) Object.defineProperty(entry, key, { value: t[key], writable: true, enumerable: true, configurable: true });
  TAILS.delete(entry);
  return { docs: t.docs, search: t.search };
}

const DOCS_PROPERTY: PropertyDescriptor = {
  get(this: object) {
    return loadTail(this).docs;
  },
  enumerable: true,
  configurable: true,
};
const SEARCH_PROPERTY: PropertyDescriptor = {
  get(this: object) {
    return loadTail(this).search;
  },
  enumerable: true,
  configurable: true,
};

/** The bytes [start, end) of a record file, or null when it is no longer the file that was parsed (size and time) or ends early. */
function readSpan(file: RecordFileRef, start: number, end: number): Buffer | null {
  const reader = new SpanReader();
  try {
    const fd = reader.fd(file);
    return fd === null ? null : reader.read(fd, start, end);
  } catch {
    return null;
  } finally {
    reader.close();
  }
}


const NON_ASCII = /[\u0080-\uffff]/g;

/** JSON text with every non-ASCII character escaped (`\u00b7`): the same value, ASCII bytes. */
export function asciiJson(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Opens the previous record files to copy from, each only if it is still the file that was parsed. */
class SpanReader {
  private readonly fds = new Map<RecordFileRef, number | null>();

  /** The file's descriptor, or null when it cannot be opened or changed since it was read. */
  fd(file: RecordFileRef): number | null {
    const known = this.fds.get(file);
    if (known !== undefined) return known;
    let fd: number | null = null;
    try {
      fd = openSync(file.path, 'r');
      const st = fstatSync(fd);
      if (st.size !== file.size || st.mtimeMs !== file.mtimeMs) {
        closeSync(fd);
        fd = null;
      }
    } catch {
      if (fd !== null) closeSync(fd);
      fd = null;
    }
    this.fds.set(file, fd);
    return fd;
  }

  /** The bytes as they are: written as read, never decoded to a string and encoded again. */
  read(fd: number, start: number, end: number): Buffer {
    const buf = Buffer.allocUnsafe(end - start);
    for (let off = 0; off < buf.length;) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) throw new Error('the previous build record ended early');
      off += n;
    }
    return buf;
  }

  close(): void {
    for (const fd of this.fds.values()) if (fd !== null) closeSync(fd);
    this.fds.clear();
  }
}

/**
 * The record's JSON in pieces, ASCII only, one version entry a line (`batch` entries at most a
 * piece): the text is never held whole (~47 MB at 10,000 libraries). An entry found in `spans` is
 * copied from the previous record file (runs of adjacent entries in one read, a Buffer piece of
 * the file's own bytes: decoding and encoding them again took ~0.15 s of a one-library rebuild),
 * when that file is unchanged; the next build parses each entry from its own line again
 * (parseByLine). Joined and parsed, it is the record (members in the same order; undefined
 * members left out).
 */
export function* recordChunks(record: BuildRecord, spans?: RecordSpans, batch = 1000): Generator<string | Buffer> {
  const reader = new SpanReader();
  try {
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
      // bytes of the previous file still to copy (runFd -1: none): whole entries with the ",\n" between them
      let runFd = -1;
      let runStart = 0;
      let runEnd = 0;
      // the pieces ready to go: the text so far, then the copied bytes
      const ready: (string | Buffer)[] = [];
      const flush = () => {
        if (runFd < 0) return;
        if (out) ready.push(out);
        ready.push(reader.read(runFd, runStart, runEnd));
        out = '';
        runFd = -1;
      };
      for (let i = 0; i < entries.length; i++) {
        const [id, entry] = entries[i] as [string, RecordVersion];
        const span = spans?.get(entry);
        const fd = span ? reader.fd(span.file) : null;
        if (span && fd !== null && fd === runFd && runEnd + 2 === span.start) {
          runEnd = span.end;
        } else {
          flush();
          if (i > 0) out += ',\n';
          if (span && fd !== null) [runFd, runStart, runEnd] = [fd, span.start, span.end];
          else out += `${asciiJson(JSON.stringify(id))}:${asciiJson(JSON.stringify(entry))}`;
        }
        if ((i + 1) % batch === 0) {
          flush();
          if (out) ready.push(out);
          out = '';
          yield* ready.splice(0);
        }
      }
      flush();
      yield* ready.splice(0);
      out += '\n}';
    }
    yield `${out}}`;
  } finally {
    reader.close();
  }
}

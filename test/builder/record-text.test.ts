import { isAscii } from 'node:buffer';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { emptyRecord, type BuildRecord, type RecordVersion } from '../../index-builder/src/output/record.js';
import { asciiJson, parseRecord, readRecordFile, recordChunks, RecordSpans } from '../../index-builder/src/output/record-file.js';
import { TreeWriter } from '../../index-builder/src/emit/tree-writer.js';
import { commitAll, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

function version(i: number, title: string): RecordVersion {
  return {
    key: `git:${i.toString(16).padStart(40, '0')}`, sha256: i.toString(16).padStart(64, '0'), integrity: `sha512-${i}`, size: 100 + i, unpackedSize: 300 + i, fileCount: 2,
    publishedAt: '2026-01-02T03:04:05.000Z', commit: null, description: `Lib ${i} — ${title}`, license: 'MIT', tags: ['docs', 'ünï'], authors: [], repository: null, homepage: null,
    dependencies: {}, docs: [{ path: 'README.md', title, description: null }], search: { titles: `${title} · Guide`, headings: 'A · B' },
  } as RecordVersion;
}

/** A record with non-ASCII text of every kind JSON can hold: Latin-1, BMP, astral (surrogate pairs), U+2028, a lone surrogate. */
function sampleRecord(n: number): BuildRecord {
  const titles = ['Café', '日本語のガイド', 'Rocket 🚀 launch', 'line\u2028separator', 'lone \ud800 half', 'quote " and \\ back', 'plain'];
  const r = emptyRecord('limits-hash');
  for (let i = 0; i < n; i++) r.versions[`@s/l${i}@1.0.${i}`] = version(i, titles[i % titles.length] as string);
  r.deleted['@s/gone@1.0.0'] = { sha256: 'f'.repeat(64), integrity: 'sha512-x' };
  r.libraries['@s/l0'] = 'h'.repeat(64);
  r.searchDocs = { '@s/l0': 'é' };
  return r;
}

async function writeRecord(dir: string, record: BuildRecord, spans?: RecordSpans): Promise<void> {
  const w = new TreeWriter(dir);
  w.writeChunksInBackground('build-record.json', recordChunks(record, spans, 7), 'latin1');
  await w.flush();
}

describe('build record text', () => {
  it('is ASCII, one version entry a line, and parses back to the record', async () => {
    const record = sampleRecord(30);
    const dir = tempDir();
    await writeRecord(dir, record);
    const bytes = readFileSync(join(dir, 'build-record.json'));
    expect(isAscii(bytes)).toBe(true);
    expect(JSON.parse(bytes.toString('latin1'))).toEqual(record);
    const lines = bytes.toString('latin1').split('\n');
    expect(lines).toHaveLength(30 + 2); // the opening, one line per entry, the closing and the rest
    expect(lines[1]?.startsWith('"@s/l0@1.0.0":{')).toBe(true);
    expect([...recordChunks(record, undefined, 7)]).toHaveLength(5); // 30 entries: pieces of 7, then the rest
    for (const r of [emptyRecord('x'), { ...emptyRecord('x'), searchDocs: undefined }]) {
      expect(JSON.parse([...recordChunks(r)].join(''))).toEqual(JSON.parse(JSON.stringify(r)));
    }
    expect(JSON.parse(asciiJson(JSON.stringify('a · 🚀 \u2028')))).toBe('a · 🚀 \u2028');
  });

  it('finds every version entry it wrote, copies the unchanged ones into the next record, and gives the bytes of a fresh serialization', async () => {
    const record = sampleRecord(25);
    const a = tempDir();
    await writeRecord(a, record);
    const file = await readRecordFile(a);
    expect(file?.ascii).toBe(true);
    const spans = new RecordSpans();
    const parsed = parseRecord(file, spans) as BuildRecord;
    expect(parsed).toEqual(record);
    const text = readFileSync(join(a, 'build-record.json'), 'latin1');
    for (const [id, v] of Object.entries(parsed.versions)) {
      const span = spans.get(v);
      expect(text.slice(span?.start, span?.end)).toBe(`${JSON.stringify(id)}:${asciiJson(JSON.stringify(v))}`);
    }
    // the next record: entries taken over, one new in the middle, one removed, one changed, one new at the end
    const ids = Object.keys(parsed.versions);
    const next: BuildRecord = { ...parsed, versions: {} };
    ids.forEach((id, i) => {
      if (i === 3) return;
      if (i === 12) next.versions['@s/new@1.0.0'] = version(99, 'Neu · 🚀');
      next.versions[id] = i === 20 ? { ...(parsed.versions[id] as RecordVersion), description: 'changed ü' } : (parsed.versions[id] as RecordVersion);
    });
    next.versions['@s/z@9.0.0'] = version(100, 'last');
    const b = tempDir();
    await writeRecord(b, next, spans);
    const c = tempDir();
    await writeRecord(c, next);
    expect(readFileSync(join(b, 'build-record.json'), 'latin1')).toBe(readFileSync(join(c, 'build-record.json'), 'latin1'));
    expect(JSON.parse(readFileSync(join(b, 'build-record.json'), 'latin1'))).toEqual(next);
  });

  it('copies an entry from the previous file as it is there, and serializes it when that file changed since it was read', async () => {
    const record = sampleRecord(5);
    const a = tempDir();
    await writeRecord(a, record);
    const path = join(a, 'build-record.json');
    // "fileCount":2.0 parses as 2: a copied entry keeps the ".0", a serialized one does not
    writeFileSync(path, readFileSync(path, 'latin1').replace(/"fileCount":2/g, '"fileCount":2.0'));
    const spans = new RecordSpans();
    const parsed = parseRecord(await readRecordFile(a), spans) as BuildRecord;
    expect(Object.values(parsed.versions).every((v) => v.fileCount === 2)).toBe(true);
    const pieces = [...recordChunks(parsed, spans)];
    // the copied entries are the file's bytes, not a string decoded from them
    expect(pieces.filter((p) => Buffer.isBuffer(p)).map((p) => p.toString('latin1')).join('').match(/"fileCount":2\.0/g)).toHaveLength(5);
    const copied = pieces.join('');
    expect(copied.match(/"fileCount":2\.0/g)).toHaveLength(5);
    expect(JSON.parse(copied)).toEqual(record);

    writeFileSync(path, `${readFileSync(path, 'latin1')} `); // changed since it was read: another size
    expect(statSync(path).size).toBe(copied.length + 1);
    const serialized = [...recordChunks(parsed, spans)].join('');
    expect(serialized).not.toMatch(/"fileCount":2\.0/);
    expect(serialized).toBe([...recordChunks(record)].join(''));
  });

  it('finds no entries in a record in any other layout or encoding, still reads it, and refuses one that is not JSON', async () => {
    const record = sampleRecord(6);
    const ids = Object.keys(record.versions);
    const written = [...recordChunks(record)].join('');
    const layouts = {
      'one line (JSON.stringify)': JSON.stringify(record),
      'pretty-printed': JSON.stringify(record, null, 2),
      'two entries on one line': written.replace(`,\n${JSON.stringify(ids[2])}`, `,${JSON.stringify(ids[2])}`),
      'an entry on the opening line': written.replace('"versions":{', `"versions":{"@s/extra@1.0.0":${JSON.stringify(record.versions[ids[0] as string])},`),
      'UTF-8 instead of escapes': written.replace(/\\u00e9/g, 'é'),
    };
    for (const [layout, text] of Object.entries(layouts)) {
      const dir = tempDir();
      writeFileSync(join(dir, 'build-record.json'), text);
      const spans = new RecordSpans();
      const parsed = parseRecord(await readRecordFile(dir), spans) as BuildRecord;
      expect(Object.keys(parsed.versions).length, layout).toBeGreaterThanOrEqual(6);
      expect(Object.values(parsed.versions).filter((v) => spans.get(v)), layout).toEqual([]);
    }
    // entries in another order are still one a line: each is parsed from its own line
    const reordered = tempDir();
    writeFileSync(join(reordered, 'build-record.json'), [...recordChunks({ ...record, versions: Object.fromEntries(Object.entries(record.versions).reverse()) })].join(''));
    const spans = new RecordSpans();
    const parsed = parseRecord(await readRecordFile(reordered), spans) as BuildRecord;
    expect(Object.values(parsed.versions).filter((v) => spans.get(v))).toHaveLength(6);
    // not JSON (a comma after the last entry, an entry cut short): refused, not read line by line
    for (const broken of [written.replace(/\n\}/, ',\n}'), written.replace(/("@s\/l3@1\.0\.3":\{)[^\n]*/, '$1"key":'), written.replace('"versions":{\n', '"versions":{\n"@s/x@1.0.0":{}}\n'), written.replace('},\n"@s/l2', '} \n"@s/l2')]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'build-record.json'), broken);
      expect(() => parseRecord({ path: 'r.json', text: broken, ascii: true, size: broken.length, mtimeMs: 0 }, new RecordSpans())).toThrow(/is not a valid build record/);
    }
  });

  it('refuses a record whose maps hold the wrong kind of value, and reads each map as the file has it', () => {
    const record = sampleRecord(3);
    const parse = (r: unknown) => {
      const text = JSON.stringify(r);
      return parseRecord({ path: 'r.json', text, ascii: true, size: text.length, mtimeMs: 0 }, new RecordSpans());
    };
    expect(parse(record)?.libraries).toEqual(record.libraries);
    const forged: [string, unknown][] = [
      ['libraries', { '@s/l0': 5 }], ['libraries', ['h']], ['libraryInputs', { '@s/l0': null }], ['outputs', 'x'],
      ['searchDocs', { '@s/l0': {} }], ['versions', { '@s/l0@1.0.0': { ...record.versions['@s/l0@1.0.0'], sha256: 'not-hex' } }], ['versions', []],
    ];
    for (const [member, value] of forged) expect(() => parse({ ...record, [member]: value }), member).toThrow(/is not a valid build record/);
    // optional maps: absent is empty (libraryInputs, outputs) or absent (searchDocs)
    const { libraryInputs: _li, outputs: _o, searchDocs: _s, ...bare } = record;
    const read = parse(bare) as BuildRecord;
    expect([read.libraryInputs, read.outputs, read.searchDocs]).toEqual([{}, {}, undefined]);
  });

  it('copies an unchanged version entry over in a rebuild, and a rebuild writes the same record as a fresh build', async () => {
    const root = tempDir();
    writeRegistry(root);
    gitInit(root);
    for (const name of ['alpha', 'beta', 'gamma']) writeLibrary(root, { scope: 'acme', name, version: '1.0.0', description: `Ünïcode ${name} — guide` });
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const recordFile = join(out, 'build-record.json');
    expect(isAscii(readFileSync(recordFile))).toBe(true);

    writeLibrary(root, { scope: 'acme', name: 'beta', version: '1.1.0' });
    commitAll(root, 'beta 1.1.0');
    await buildRegistry({ registryDir: root, outDir: out });
    const fresh = join(tempDir(), 'fresh');
    await buildRegistry({ registryDir: root, outDir: fresh });
    expect(readFileSync(recordFile).equals(readFileSync(join(fresh, 'build-record.json')))).toBe(true);

    // an entry written as "fileCount":2.0 parses as 2: the next build writes alpha's entry as it
    // was read (text carried over), gamma's too, while the new version's entry is serialized
    const edited = readFileSync(recordFile, 'latin1').replace(/("@acme\/alpha@1\.0\.0":\{[^\n]*"fileCount":)(\d+)/, '$1$2.0');
    expect(edited).toMatch(/"fileCount":\d+\.0/);
    writeFileSync(recordFile, edited);
    writeLibrary(root, { scope: 'acme', name: 'gamma', version: '1.1.0' });
    commitAll(root, 'gamma 1.1.0');
    const report = await buildRegistry({ registryDir: root, outDir: out });
    expect(report.builtVersions).toEqual(['@acme/gamma@1.1.0']);
    const after = readFileSync(recordFile, 'latin1');
    expect(after).toMatch(/"@acme\/alpha@1\.0\.0":\{[^\n]*"fileCount":\d+\.0/);
    expect(after.split('\n').filter((l) => /"fileCount":\d+\.0/.test(l))).toHaveLength(1);
  });
});

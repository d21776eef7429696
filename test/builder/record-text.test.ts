import { isAscii } from 'node:buffer';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { emptyRecord, isLazyMember, UNPARSED, type BuildRecord, type RecordVersion } from '../../index-builder/src/output/record.js';
import { asciiJson, parseRecord, readRecordFile, recordChunks, RecordSpans, type RecordFile } from '../../index-builder/src/output/record-file.js';
import { TreeWriter } from '../../index-builder/src/emit/tree-writer.js';
import { emitSite } from '../../index-builder/src/site/emit-site.js';
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

/** A record file as readRecordFile gives it, of `text` (UTF-8). */
function recordFile(text: string): RecordFile {
  const bytes = Buffer.from(text);
  return { path: 'r.json', bytes, ascii: isAscii(bytes), size: bytes.length, mtimeMs: 0 };
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

    // changed since it was read (another size), the docs of every entry read before: each entry is serialized
    JSON.stringify(parsed);
    writeFileSync(path, `${readFileSync(path, 'latin1')} `);
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
      expect(() => parseRecord(recordFile(broken), new RecordSpans())).toThrow(/is not a valid build record/);
    }
  });

  it('refuses a record whose maps hold the wrong kind of value, and reads each map as the file has it', () => {
    const record = sampleRecord(3);
    const parse = (r: unknown) => {
      const text = JSON.stringify(r);
      return parseRecord(recordFile(text), new RecordSpans());
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

  it('parses the docs and search of each entry it finds only when they are read, to what the whole text gives', async () => {
    const record = sampleRecord(21);
    const dir = tempDir();
    await writeRecord(dir, record);
    const whole = JSON.parse(readFileSync(join(dir, 'build-record.json'), 'latin1')) as BuildRecord;
    const parsed = parseRecord(await readRecordFile(dir), new RecordSpans()) as BuildRecord;
    const entries = Object.entries(parsed.versions);
    expect(entries).toHaveLength(21);
    for (const [, v] of entries) expect([isLazyMember(v, 'docs'), isLazyMember(v, 'search')]).toEqual([true, true]);
    // the head is there at once
    expect(entries.map(([id, v]) => [id, v.key, v.sha256, v.description, v.tags])).toEqual(Object.entries(whole.versions).map(([id, v]) => [id, v.key, v.sha256, v.description, v.tags]));
    const [id, first] = entries[4] as [string, RecordVersion];
    expect(first.search).toEqual(whole.versions[id]?.search); // reading one member parses both
    expect([isLazyMember(first, 'docs'), isLazyMember(first, 'search')]).toEqual([false, false]);
    expect(isLazyMember(entries[5]?.[1] as RecordVersion, 'docs')).toBe(true); // and only that entry's
    // read or not, each entry is what the whole text gives, key for key
    for (const [i, v] of entries) expect(JSON.stringify(v)).toBe(JSON.stringify(whole.versions[i]));
    expect(parsed).toEqual(whole);
    // the docs are read from the file when asked for: a file changed since (another build) is refused then
    const again = parseRecord(await readRecordFile(dir), new RecordSpans()) as BuildRecord;
    writeFileSync(join(dir, 'build-record.json'), `${readFileSync(join(dir, 'build-record.json'), 'latin1')} `);
    expect(() => again.versions[id]?.docs).toThrow(/changed while the build read it/);
  });

  it('parses no entry of the scopes it is told to leave until a member is read, and copies such an entry to the next record as it was', async () => {
    const record = sampleRecord(9);
    record.versions['@t/x@1.0.0'] = version(99, 'other scope');
    const dir = tempDir();
    await writeRecord(dir, record);
    const text = readFileSync(join(dir, 'build-record.json'));
    const whole = JSON.parse(text.toString('latin1')) as BuildRecord;
    const heads: BuildRecord[] = [];
    const spans = new RecordSpans();
    const parsed = parseRecord(await readRecordFile(dir), spans, (head) => {
      heads.push(head);
      return new Set(['s']);
    }) as BuildRecord;
    // asked once, with the record checked but for its versions
    expect(heads.map((h) => [h.limits, Object.keys(h.versions).length, h.libraries])).toEqual([['limits-hash', 0, whole.libraries]]);
    const unparsed = () => Object.entries(parsed.versions).filter(([, v]) => (v as { [UNPARSED]?: boolean })[UNPARSED] === true).map(([id]) => id);
    const ofS = Object.keys(record.versions).filter((id) => id.startsWith('@s/'));
    expect(unparsed()).toEqual(ofS);
    // @t's entry has its head parsed (its tail waits, lazyTail); @s's are not parsed at all: written again, they are copied
    expect(isLazyMember(parsed.versions['@s/l3@1.0.3'] as RecordVersion, 'docs')).toBe(true);
    const next = tempDir();
    await writeRecord(next, parsed, spans);
    expect(readFileSync(join(next, 'build-record.json')).equals(text)).toBe(true);
    expect(unparsed()).toEqual(ofS);
    // reading one member parses the whole entry, to what the whole text gives
    const entry = parsed.versions['@s/l3@1.0.3'] as RecordVersion;
    expect(entry.sha256).toBe(whole.versions['@s/l3@1.0.3']?.sha256);
    expect(isLazyMember(entry, 'docs')).toBe(false);
    expect(unparsed()).toEqual(ofS.filter((id) => id !== '@s/l3@1.0.3'));
    for (const [id, v] of Object.entries(parsed.versions)) expect(JSON.stringify(v), id).toBe(JSON.stringify(whole.versions[id]));
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(whole);
  });

  it('refuses an entry of a scope left unparsed when it is read and is not one the builder writes, or its file changed', async () => {
    const record = sampleRecord(4);
    const dir = tempDir();
    await writeRecord(dir, record);
    const written = readFileSync(join(dir, 'build-record.json'), 'latin1');
    const line = written.split('\n').find((l) => l.startsWith('"@s/l2@1.0.2":')) as string;
    const forged = {
      'not JSON': line.replace('"key":', '"key":,'),
      'sha256 not hex': line.replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${'z'.repeat(64)}"`),
      'no docs': line.replace(/"docs":\[[^\]]*\],/, ''),
    };
    for (const [what, broken] of Object.entries(forged)) {
      expect(broken, what).not.toBe(line);
      const at = tempDir();
      writeFileSync(join(at, 'build-record.json'), written.replace(line, broken));
      const parsed = parseRecord(await readRecordFile(at), new RecordSpans(), () => new Set(['s'])) as BuildRecord;
      expect(() => parsed.versions['@s/l2@1.0.2']?.key, what).toThrow(/is not a valid build record/);
      expect(parsed.versions['@s/l1@1.0.1']?.sha256, what).toBe(record.versions['@s/l1@1.0.1']?.sha256);
    }
    const parsed = parseRecord(await readRecordFile(dir), new RecordSpans(), () => new Set(['s'])) as BuildRecord;
    writeFileSync(join(dir, 'build-record.json'), `${written} `);
    expect(() => parsed.versions['@s/l2@1.0.2']?.key).toThrow(/changed while the build read it/);
  });

  it('refuses an entry whose tail is not what the builder writes when its docs are read, and reads the others', async () => {
    const record = sampleRecord(4);
    const dir = tempDir();
    await writeRecord(dir, record);
    const written = readFileSync(join(dir, 'build-record.json'), 'latin1');
    const line = written.split('\n').find((l) => l.startsWith('"@s/l2@1.0.2":')) as string;
    const tails = {
      'not JSON': line.replace(/"docs":\[\{/, '"docs":[{,'),
      'titles not a string': line.replace(/"titles":"[^"]*"/, '"titles":5'),
      'no search member': line.replace(/,"search":\{[^}]*\}/, ''),
      'a member after search': line.replace(/("headings":"[^"]*")\}\}/, '$1},"x":[1]}'),
    };
    for (const [what, broken] of Object.entries(tails)) {
      expect(broken, what).not.toBe(line);
      const at = tempDir();
      writeFileSync(join(at, 'build-record.json'), written.replace(line, broken));
      const parsed = parseRecord(await readRecordFile(at), new RecordSpans()) as BuildRecord;
      const entry = parsed.versions['@s/l2@1.0.2'] as RecordVersion;
      if (what === 'a member after search') {
        // `},"` after the tail: the line is parsed whole (a member the builder never writes is kept)
        expect(isLazyMember(entry, 'docs'), what).toBe(false);
        continue;
      }
      expect(entry.sha256, what).toBe(record.versions['@s/l2@1.0.2']?.sha256);
      expect(() => entry.docs, what).toThrow(/is not a valid build record/);
      expect(() => entry.search, what).toThrow(/is not a valid build record/);
      expect(parsed.versions['@s/l1@1.0.1']?.docs, what).toEqual(record.versions['@s/l1@1.0.1']?.docs);
    }
  });

  it('reads no docs of a scope a rebuild takes over whole, and refuses a damaged entry when a rebuild needs it', async () => {
    const root = tempDir();
    writeRegistry(root, { scopes: { acme: 'public', beta: 'public' } });
    gitInit(root);
    for (const name of ['alpha', 'gamma']) writeLibrary(root, { scope: 'acme', name, version: '1.0.0' });
    for (const name of ['one', 'two']) writeLibrary(root, { scope: 'beta', name, version: '1.0.0' });
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out, site: emitSite });
    const recordFile = join(out, 'build-record.json');
    // @beta/one's docs in the record no longer parse: the builder never reads them while @beta is unchanged
    const damaged = readFileSync(recordFile, 'latin1').replace(/("@beta\/one@1\.0\.0":\{[^\n]*"docs":\[)/, '$1,');
    writeFileSync(recordFile, damaged);
    writeLibrary(root, { scope: 'acme', name: 'alpha', version: '1.1.0' });
    commitAll(root, 'alpha 1.1.0');
    const report = await buildRegistry({ registryDir: root, outDir: out, site: emitSite });
    expect(report.builtVersions).toEqual(['@acme/alpha@1.1.0']);
    const line = (text: string) => text.split('\n').find((l) => l.startsWith('"@beta/one@1.0.0":'));
    expect(line(readFileSync(recordFile, 'latin1'))).toBe(line(damaged)); // copied as it was
    // a new version in @beta: its pages are made one by one, @beta/one's from its docs
    writeLibrary(root, { scope: 'beta', name: 'two', version: '1.1.0' });
    commitAll(root, 'two 1.1.0');
    const served = readFileSync(join(out, 'index/@beta/two.json'), 'utf8');
    await expect(buildRegistry({ registryDir: root, outDir: out, site: emitSite })).rejects.toThrow(/build-record\.json is not a valid build record/);
    expect(readFileSync(join(out, 'index/@beta/two.json'), 'utf8')).toBe(served); // the previous tree is still served
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

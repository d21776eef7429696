import { isAscii } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { asciiJson, emptyRecord, parseRecord, readRecordFile, recordChunks, type BuildRecord, type RecordTexts, type RecordVersion } from '../../index-builder/src/output/record.js';
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

async function writeRecord(dir: string, record: BuildRecord, texts?: RecordTexts): Promise<void> {
  const w = new TreeWriter(dir);
  w.writeChunksInBackground('build-record.json', recordChunks(record, texts, 7), 'latin1');
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

  it('finds the text of every version entry it wrote, and writing those texts again gives the same bytes', async () => {
    const record = sampleRecord(25);
    const a = tempDir();
    await writeRecord(a, record);
    const file = await readRecordFile(a);
    expect(file?.ascii).toBe(true);
    const texts: RecordTexts = new WeakMap();
    const parsed = parseRecord(file, texts) as BuildRecord;
    expect(parsed).toEqual(record);
    for (const v of Object.values(parsed.versions)) expect(texts.get(v)).toBe(asciiJson(JSON.stringify(v)));
    const b = tempDir();
    await writeRecord(b, parsed, texts);
    expect(readFileSync(join(b, 'build-record.json')).equals(readFileSync(join(a, 'build-record.json')))).toBe(true);
  });

  it('writes an entry found in the texts as found', () => {
    const record = sampleRecord(3);
    const v = record.versions['@s/l1@1.0.1'] as RecordVersion;
    const texts: RecordTexts = new WeakMap([[v, '{"as":"read"}']]);
    const text = [...recordChunks(record, texts)].join('');
    expect(text).toContain('\n"@s/l1@1.0.1":{"as":"read"},\n');
    expect(text).toContain(`\n"@s/l0@1.0.0":${asciiJson(JSON.stringify(record.versions['@s/l0@1.0.0']))},\n`);
  });

  it('takes no texts from a record in any other layout or encoding, still reads it, and refuses one that is not JSON', async () => {
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
      const texts: RecordTexts = new WeakMap();
      const parsed = parseRecord(await readRecordFile(dir), texts) as BuildRecord;
      expect(Object.keys(parsed.versions).length, layout).toBeGreaterThanOrEqual(6);
      expect(Object.values(parsed.versions).filter((v) => texts.has(v)), layout).toEqual([]);
    }
    // entries in another order are still one a line: each is parsed from its own line
    const reordered = tempDir();
    writeFileSync(join(reordered, 'build-record.json'), [...recordChunks({ ...record, versions: Object.fromEntries(Object.entries(record.versions).reverse()) })].join(''));
    const texts: RecordTexts = new WeakMap();
    const parsed = parseRecord(await readRecordFile(reordered), texts) as BuildRecord;
    for (const v of Object.values(parsed.versions)) expect(texts.get(v)).toBe(asciiJson(JSON.stringify(v)));
    // not JSON (a comma after the last entry, an entry cut short): refused, not read line by line
    for (const broken of [written.replace(/\n\}/, ',\n}'), written.replace(/("@s\/l3@1\.0\.3":\{)[^\n]*/, '$1"key":'), written.replace('"versions":{\n', '"versions":{\n"@s/x@1.0.0":{}}\n'), written.replace('},\n"@s/l2', '} \n"@s/l2')]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'build-record.json'), broken);
      expect(() => parseRecord({ path: 'r.json', text: broken, ascii: true }, new WeakMap())).toThrow(/is not a valid build record/);
    }
  });

  it('carries an unchanged version entry over as text in a rebuild, and a rebuild writes the same record as a fresh build', async () => {
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

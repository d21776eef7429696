import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import fg from 'fast-glob';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, configJsonSchema, libraryIndexSchema, summaryIndexSchema, summaryPageSchema, loadSearchIndex, fillTemplate, type LibraryIndex, type BuildReport } from '../../index-builder/src/index.js';
import { BUILDER_FORMAT } from '../../index-builder/src/output/record.js';
import { tempDir } from '../helpers/tmp.js';
import { readTarball } from '../helpers/tarball.js';

const registry = join(import.meta.dirname, '../../registry-data');

function allFiles(dir: string): string[] {
  return fg.sync('**', { cwd: dir, dot: true, followSymbolicLinks: true });
}

describe('round trip of the bundled registry-data', () => {
  let out: string;
  let priv: string;
  let report: BuildReport;
  beforeAll(async () => {
    const base = tempDir();
    out = join(base, 'public');
    priv = join(base, 'private');
    report = await buildRegistry({ registryDir: registry, outDir: out, privateOutDir: priv });
  });

  const indexes = (dir: string): LibraryIndex[] =>
    fg.sync('index/**/*.json', { cwd: dir }).map((f) => libraryIndexSchema.parse(JSON.parse(readFileSync(join(dir, f), 'utf8'))));

  it('emits one valid index file per library, public and private apart', () => {
    const pub = indexes(out);
    const pri = indexes(priv);
    expect(pub.length + pri.length).toBe(report.libraries);
    expect(pub.every((l) => l.visibility === 'public')).toBe(true);
    expect(pri.length).toBeGreaterThan(0);
    expect(pri.every((l) => l.visibility === 'private')).toBe(true);
    const versions = [...pub, ...pri].reduce((n, l) => n + l.versions.length, 0);
    expect(versions).toBe(report.versions);
    const onDisk = fg.sync('libraries/@*/*/*/.mdlibs.toml', { cwd: registry, dot: true }).length;
    expect(versions).toBe(onDisk);
  });

  it('verifies every tarball against its sha256, integrity and size, and unpacks to the source folder', async () => {
    for (const [dir, libs] of [[out, indexes(out)], [priv, indexes(priv)]] as const) {
      for (const lib of libs) {
        for (const v of lib.versions) {
          const bytes = readFileSync(join(dir, v.tarball));
          expect(bytes.length).toBe(v.size);
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.sha256);
          expect(`sha512-${createHash('sha512').update(bytes).digest('base64')}`).toBe(v.integrity);
          const entries = await readTarball(bytes);
          const src = join(registry, 'libraries', lib.name, v.version);
          const srcFiles = allFiles(src).sort();
          expect([...entries.keys()].sort()).toEqual(srcFiles.map((f) => `package/${f}`));
          for (const f of srcFiles) expect(entries.get(`package/${f}`)?.bytes.equals(readFileSync(join(src, f)))).toBe(true);
          expect(v.fileCount).toBe(srcFiles.length);
          expect(v.unpackedSize).toBe(srcFiles.reduce((n, f) => n + statSync(join(src, f)).size, 0));
        }
      }
    }
  });

  it('keeps every private name and byte out of the public tree', () => {
    const privateNames = indexes(priv).map((l) => l.name);
    for (const f of allFiles(out)) {
      const raw = readFileSync(join(out, f));
      const text = f.endsWith('.gz') ? gunzipSync(raw).toString() : f.endsWith('.br') ? brotliDecompressSync(raw).toString() : raw.toString('latin1');
      for (const name of privateNames) {
        expect(text.includes(name), `${f} mentions ${name}`).toBe(false);
        expect(text.includes(name.split('/')[1] ?? '@@'), `${f} mentions ${name}`).toBe(false);
      }
    }
  });

  it('writes gzip and brotli copies identical to every JSON file', () => {
    for (const dir of [out, priv]) {
      for (const f of fg.sync('**/*.json', { cwd: dir, ignore: ['build-record.json'] })) {
        const raw = readFileSync(join(dir, f));
        expect(gunzipSync(readFileSync(join(dir, `${f}.gz`))).equals(raw)).toBe(true);
        expect(brotliDecompressSync(readFileSync(join(dir, `${f}.br`))).equals(raw)).toBe(true);
      }
    }
  });

  it('emits config.json whose templates resolve to real files, a summary and a working search index', () => {
    const config = configJsonSchema.parse(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')));
    expect(config.auth.privateScopes).toBe(true);
    const first = indexes(out)[0] as LibraryIndex;
    const [scope, name] = first.name.slice(1).split('/') as [string, string];
    expect(statSync(join(out, fillTemplate(config.templates.index, { scope, name }))).isFile()).toBe(true);
    const v = first.versions[0]?.version ?? '';
    expect(statSync(join(out, fillTemplate(config.templates.tarball, { scope, name, version: v }))).isFile()).toBe(true);
    const summary = summaryIndexSchema.parse(JSON.parse(readFileSync(join(out, config.summary), 'utf8')));
    expect(summary.total).toBe(indexes(out).length);
    const entries = summary.pages.flatMap((p) => summaryPageSchema.parse(JSON.parse(readFileSync(join(out, p), 'utf8'))).entries);
    expect(entries.map((e) => e.name).sort()).toEqual(indexes(out).map((l) => l.name).sort());
    const search = loadSearchIndex(readFileSync(join(out, config.search.index), 'utf8'));
    const hits = search.search('runbook incident');
    expect(hits[0]?.id).toBe('@platform/incident-runbooks');
  });

  it('writes index files of the shape BUILDER_FORMAT names (a change of shape needs a new BUILDER_FORMAT, or rebuilds would keep stale files)', () => {
    const file = JSON.parse(readFileSync(join(out, 'index/@platform/incident-runbooks.json'), 'utf8')) as { versions: Record<string, unknown>[] };
    expect(BUILDER_FORMAT).toBe('mdlibs-build/2');
    expect(Object.keys(file)).toEqual(['name', 'scope', 'visibility', 'description', 'license', 'tags', 'authors', 'repository', 'homepage', 'deprecated', 'distTags', 'updatedAt', 'versions']);
    expect(Object.keys(file.versions[0] ?? {})).toEqual(['version', 'description', 'license', 'tags', 'authors', 'dependencies', 'tarball', 'sha256', 'integrity', 'size', 'unpackedSize', 'fileCount', 'publishedAt', 'commit', 'yanked', 'yankedReason', 'docs']);
  });

  it('marks the yanked version, the deprecated library and dependencies as the sources say', () => {
    const all = [...indexes(out), ...indexes(priv)];
    const yanked = all.flatMap((l) => l.versions.filter((v) => v.yanked).map((v) => `${l.name}@${v.version}`));
    expect(yanked).toEqual(['@platform/incident-runbooks@1.0.1']);
    const runbooks = all.find((l) => l.name === '@platform/incident-runbooks');
    expect(runbooks?.distTags.latest).toBe('1.0.2');
    expect(runbooks?.versions.find((v) => v.yanked)?.yankedReason).toMatch(/\w/);
    expect(all.filter((l) => l.deprecated !== null).map((l) => l.name)).toEqual(['@acme/readme-templates']);
    expect(all.some((l) => l.versions.some((v) => Object.keys(v.dependencies).length > 0))).toBe(true);
  });

  it('leaves only the served build and the managed link behind', () => {
    const parent = join(out, '..');
    const names = readdirSync(parent).sort();
    expect(names).toEqual(['.private.builds', '.public.builds', 'private', 'public']);
  });
});

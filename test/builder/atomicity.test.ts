import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { commitAll, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * A separate process polls the served tree while the builder swaps in new builds. Each round
 * it reads config.json, the summary, every index file and every tarball they list, and
 * checks JSON parses and each tarball's sha256 matches its index entry.
 */
const READER = String.raw`
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const out = process.argv[1];
let rounds = 0, reads = 0; const errors = [];
const stopAt = Date.now() + 120000;
process.stdin.on('data', () => { process.stdout.write(JSON.stringify({ rounds, reads, errors: errors.slice(0, 5), errorCount: errors.length })); process.exit(0); });
function round() {
  try {
    JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')); reads++;
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary/index.json'), 'utf8')); reads++;
    for (const p of summary.pages) {
      const page = JSON.parse(fs.readFileSync(path.join(out, p), 'utf8')); reads++;
      for (const e of page.entries) {
        const [scope, name] = e.name.slice(1).split('/');
        const ix = JSON.parse(fs.readFileSync(path.join(out, 'index/@' + scope + '/' + name + '.json'), 'utf8')); reads++;
        for (const v of ix.versions) {
          const bytes = fs.readFileSync(path.join(out, v.tarball)); reads++;
          if (crypto.createHash('sha256').update(bytes).digest('hex') !== v.sha256) errors.push('sha mismatch ' + v.tarball);
        }
      }
    }
  } catch (e) { errors.push(String(e.message || e)); }
  rounds++;
  if (Date.now() < stopAt) setImmediate(round);
}
round();
`;

describe('atomic output swap', () => {
  it('never shows a reader a missing or half-written file during repeated rebuilds', async () => {
    const root = tempDir();
    writeRegistry(root, { scopes: { acme: 'public' } });
    gitInit(root);
    for (let i = 0; i < 8; i++) writeLibrary(root, { scope: 'acme', name: `lib-${'abcdefghij'[i]}`, version: '1.0.0', files: { 'docs/big.md': `# Big\n\n${'lorem ipsum '.repeat(4000)}\n` } });
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });

    const reader = spawn(process.execPath, ['-e', READER, out], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    reader.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((r) => reader.on('exit', () => r()));
    for (let i = 1; i <= 6; i++) {
      writeLibrary(root, { scope: 'acme', name: `lib-${'abcdefghij'[i % 8]}`, version: `1.${i}.0` });
      commitAll(root, `release ${i}`);
      await buildRegistry({ registryDir: root, outDir: out });
    }
    reader.stdin.write('stop\n');
    await exited;
    const res = JSON.parse(output) as { rounds: number; reads: number; errors: string[]; errorCount: number };
    expect(res.errors).toEqual([]);
    expect(res.errorCount).toBe(0);
    expect(res.rounds).toBeGreaterThan(5);
    expect(res.reads).toBeGreaterThan(100);
  });
});

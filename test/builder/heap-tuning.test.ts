/**
 * The heap settings of build processes (heap.ts): a smaller young generation for the worker
 * threads a build starts, and for the main thread through the mdlibs-build bin's first line.
 * Its own file: tuneHeapForBuilds changes V8 flags for the whole test process.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BUILD_SEMI_SPACE_MB, tuneHeapForBuilds } from '../../index-builder/src/index.js';

/** The new space a fresh worker thread grows to after allocating ~100 MB of short-lived objects, in MB. */
function workerNewSpaceMB(): Promise<number> {
  const code = `const v8 = require('node:v8'); const keep = [];
    for (let i = 0; i < 3e6; i++) { const o = { a: i, b: 'x' + i }; if (i % 10 === 0) keep.push(o); }
    require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (mb: number) => void w.terminate().then(() => resolve(mb)));
    w.once('error', reject);
  });
}

describe('heap settings of build processes', () => {
  it('caps the young generation of worker threads started after tuneHeapForBuilds (two semi-spaces of BUILD_SEMI_SPACE_MB)', async () => {
    const before = await workerNewSpaceMB();
    expect(before).toBeGreaterThan(2 * BUILD_SEMI_SPACE_MB); // V8's default grows past it: the check can fail
    tuneHeapForBuilds();
    expect(await workerNewSpaceMB()).toBeLessThanOrEqual(2 * BUILD_SEMI_SPACE_MB);
  }, 60_000);

  it('starts mdlibs-build with the same semi-space size for its main thread', () => {
    const first = readFileSync(new URL('../../index-builder/src/bin.ts', import.meta.url), 'utf8').split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node --max-semi-space-size=${BUILD_SEMI_SPACE_MB}`);
  });
});

#!/usr/bin/env node
// The Node floor of a cold install (bench:install's anchor; no mdlibs code): a bare node:http
// client fetching the same files as the curl floor, 16 at a time over keep-alive sockets, bodies
// read and dropped. With --extract <dir>, each .tgz body is also gunzipped and its tar entries
// written under <dir> (no checks at all), so the anchor does the least any installer must do.
//   node bench/install/anchor-fetch.mjs <base-url> <file-list> [--extract <dir>]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [base, listFile] = process.argv.slice(2);
const xi = process.argv.indexOf('--extract');
const extractTo = xi > 0 ? process.argv[xi + 1] : null;
const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

const fetchOne = (path) => new Promise((resolve, reject) => {
  get(`${base}${path}`, { agent }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: ${res.statusCode}`))));
    res.on('error', reject);
  }).on('error', reject);
});

// a ustar reader with no checks: names, regular files only (the bench's tarballs have no links)
function untar(buf, dir) {
  for (let off = 0; off + 512 <= buf.length;) {
    const name = buf.toString('latin1', off, off + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = buf.toString('latin1', off + 345, off + 500).replace(/\0.*$/s, '');
    const size = parseInt(buf.toString('latin1', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const type = buf[off + 156];
    off += 512;
    if (type === 0x30 || type === 0) {
      const p = join(dir, prefix ? `${prefix}/${name}` : name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, buf.subarray(off, off + size));
    }
    off += Math.ceil(size / 512) * 512;
  }
}

let i = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (i < files.length) {
    const f = files[i++];
    const body = await fetchOne(f);
    if (extractTo && f.endsWith('.tgz')) untar(gunzipSync(body), join(extractTo, f.replace(/\.tgz$/, '')));
  }
}));
agent.destroy();

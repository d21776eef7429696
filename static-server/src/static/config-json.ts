/**
 * The public `config.json` as this server serves it: when the build left `api` null (the
 * registry.toml names no API), the server fills in its own API base, `api/v1` relative to the
 * registry root, so clients that read config.json discover the API (PROTO-1). Pure.
 */
import type { CachedFile } from './file-cache.js';

const memo = new WeakMap<Buffer, Buffer>();

export function withApiBase(file: CachedFile): CachedFile {
  if (!file.body) return file;
  let body = memo.get(file.body);
  if (!body) {
    try {
      const json = JSON.parse(file.body.toString('utf8')) as { api?: unknown };
      body = json.api === null ? Buffer.from(JSON.stringify({ ...json, api: 'api/v1' })) : file.body;
    } catch {
      body = file.body;
    }
    memo.set(file.body, body);
  }
  if (body === file.body) return file;
  return { ...file, body, size: body.length, etag: `${file.etag.slice(0, -1)}-api"`, br: null, gz: null };
}

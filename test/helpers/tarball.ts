/** Reads a .tgz into a map of entry path -> bytes with node-tar (for assertions). */
import { Parser, type ReadEntry } from 'tar';

export async function readTarball(bytes: Buffer): Promise<Map<string, { bytes: Buffer; mode: number; mtime: Date | undefined; type: string; uid: number | undefined }>> {
  const out = new Map<string, { bytes: Buffer; mode: number; mtime: Date | undefined; type: string; uid: number | undefined }>();
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({
      onReadEntry: (e: ReadEntry) => {
        const chunks: Buffer[] = [];
        e.on('data', (c: Buffer) => chunks.push(c));
        e.on('end', () => out.set(e.path, { bytes: Buffer.concat(chunks), mode: e.mode ?? 0, mtime: e.mtime, type: e.type, uid: e.uid }));
      },
    });
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(bytes);
  });
  return out;
}

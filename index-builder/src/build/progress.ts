/** A one-line progress display on a TTY (stderr); silent otherwise. */
export interface Progress {
  tick(label: string, done: number, total: number): void;
  done(): void;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return { tick() {}, done() {} };
  let last = 0;
  return {
    tick(label, done, total) {
      const now = Date.now();
      if (now - last < 80 && done !== total) return;
      last = now;
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : width;
      stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    done() {
      stream.write('\r\x1b[2K');
    },
  };
}

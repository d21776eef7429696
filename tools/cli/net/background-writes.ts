/**
 * Cache writes that run while a command goes on, so file creation (0.3-1.5 ms per file on
 * this project's CI machine) overlaps the network waits of a cold install instead of
 * blocking the event loop between responses. runCli settles them before it returns, so a
 * command's caches are complete when it exits. A failed cache write only costs a later hit.
 */
const pending = new Set<Promise<void>>();

/** Runs `write` in the background; its failure is ignored. */
export function inBackground(write: () => Promise<unknown>): Promise<void> {
  const p: Promise<void> = write().then(() => undefined, () => undefined).finally(() => pending.delete(p));
  pending.add(p);
  return p;
}

/** Waits for every background write, including any started meanwhile. */
export async function settleBackgroundWrites(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

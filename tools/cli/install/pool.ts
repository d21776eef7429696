/** Runs async jobs with bounded concurrency; rejects with the first error after running jobs settle. */
export async function runPool<T, R>(items: readonly T[], limit: number, job: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  let failed: { e: unknown } | null = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const i = next++;
      try {
        out[i] = await job(items[i] as T, i);
      } catch (e) {
        failed ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== null) throw (failed as { e: unknown }).e;
  return out;
}

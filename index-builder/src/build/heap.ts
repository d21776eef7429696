/**
 * Memory of a build process. After each full garbage collection V8 lets its heap grow to a
 * multiple of what is still live (up to ~4x while allocation is fast, as in a build that packs
 * and renders thousands of files), and a build frees little until it ends: much of a build's
 * peak RSS was that headroom. A growing factor of 1.5 collects sooner. Measured on the builder
 * bench's registries (single runs, bench/RESULTS.md): full build of 3,000 libraries 561-580 MB
 * -> 390-413 MB at a factor of 1.2 in the same 80-90 s (303 MB at 1.5 with the later memory
 * changes, 296 MB at 1.2); a one-library rebuild of 10,000 libraries 493-570 MB -> 415-441 MB at
 * 1.2, but ~0.5 s slower (more full collections of its ~250 MB heap), 433-435 MB at 1.5.
 */
import { setFlagsFromString } from 'node:v8';

export const BUILD_HEAP_GROWING_PERCENT = 50;

/**
 * Sets V8's heap growing factor for this whole process (worker threads included). For processes
 * that run builds (`mdlibs-build`): a server would trade latency for it, so it is not set by
 * `buildRegistry` itself. V8 reads the flag at each collection, so it takes effect when set.
 */
export function tuneHeapForBuilds(): void {
  setFlagsFromString(`--heap-growing-percent=${BUILD_HEAP_GROWING_PERCENT}`);
}

/**
 * A deep copy of plain JSON data whose strings no longer keep alive the texts they were cut
 * from. V8 makes a substring of 13 or more characters a slice that references its whole parent:
 * a document title kept the whole markdown file, an author the whole manifest, a tree id the
 * whole `git ls-tree` output (at 3,000 libraries ~11 MB of such texts were live when the search
 * index was built). JSON.parse makes fresh strings. For values kept for the rest of a build.
 */
export function detached<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

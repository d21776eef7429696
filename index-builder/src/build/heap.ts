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
 * Largest semi-space of the young generation, in MB (V8's default is 16 on 64-bit: a young
 * generation of up to 32 MB per isolate). A build keeps most of what it allocates, so a larger
 * nursery mostly holds memory: at 8, the peak RSS of a full build of 10,000 libraries went from
 * 504 to 463 MB (217.5 s vs 214.3 s, one run each), and a one-library rebuild took no longer
 * (medians of 4 interleaved pairs: 2.34 s vs 2.51 s).
 */
export const BUILD_SEMI_SPACE_MB = 8;

/**
 * Sets V8's heap growing factor and the young generation's size for build processes. For
 * processes that run builds (`mdlibs-build`): a server would trade latency for it, so it is not
 * set by `buildRegistry` itself. V8 reads the growing factor at each collection, so it takes
 * effect when set; the semi-space size is read when an isolate starts, so here it reaches only
 * the worker threads started later (the search index's), and the main thread gets it from the
 * command line (`mdlibs-build` starts node with `--max-semi-space-size`, see its first line).
 */
export function tuneHeapForBuilds(): void {
  setFlagsFromString(`--heap-growing-percent=${BUILD_HEAP_GROWING_PERCENT}`);
  setFlagsFromString(`--max-semi-space-size=${BUILD_SEMI_SPACE_MB}`);
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

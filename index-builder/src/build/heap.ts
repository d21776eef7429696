/**
 * Memory of a build process. After each full garbage collection V8 lets its heap grow to a
 * multiple of what is still live (up to ~4x while allocation is fast, as in a build that packs
 * and renders thousands of files), and a build frees little until it ends: the peak RSS of a full
 * build is mostly that headroom. A growing factor of 1.2 collects sooner. Measured on the
 * builder bench's registries (one run each, bench/RESULTS.md): 3,000 libraries 561-580 MB ->
 * 390-413 MB in the same 80-90 s; 10,000 libraries 1,258 MB -> 956 MB, 277 s -> 266 s; a
 * one-library rebuild of 10,000 libraries 511-573 MB -> 419-466 MB in about the same time.
 */
import { setFlagsFromString } from 'node:v8';

export const BUILD_HEAP_GROWING_PERCENT = 20;

/**
 * Sets V8's heap growing factor for this whole process (worker threads included). For processes
 * that run builds (`mdlibs-build`): a server would trade latency for it, so it is not set by
 * `buildRegistry` itself. V8 reads the flag at each collection, so it takes effect when set.
 */
export function tuneHeapForBuilds(): void {
  setFlagsFromString(`--heap-growing-percent=${BUILD_HEAP_GROWING_PERCENT}`);
}

/**
 * Where a build's time went, phase by phase (`BuildReport.phases`, `mdlibs-build --timings`),
 * like `cargo build --timings`: a phase runs from the previous mark to its own; a phase marked
 * again (one per output tree) adds up. Work that goes on beside the marked thread (git's scan,
 * the search index worker, compression on the thread pool) shows in the phase that waits for it.
 */
export interface PhaseTime {
  phase: string;
  ms: number;
}

export class PhaseClock {
  private readonly times = new Map<string, number>();
  private last: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.last = now();
  }

  /** Ends the running phase, named `phase`. */
  mark(phase: string): void {
    const t = this.now();
    this.times.set(phase, (this.times.get(phase) ?? 0) + (t - this.last));
    this.last = t;
  }

  /** The phases in the order they first ended, in whole milliseconds. */
  list(): PhaseTime[] {
    return [...this.times].map(([phase, ms]) => ({ phase, ms: Math.round(ms) }));
  }
}

/** One line: `read 1.02 s · validate 0.11 s · …` */
export function formatPhases(phases: readonly PhaseTime[]): string {
  return phases.map((p) => `${p.phase} ${(p.ms / 1000).toFixed(2)} s`).join(' · ');
}

/** Printing helpers: colours (off with NO_COLOR or when not a TTY), tables, safe text. */
import { createColors } from 'picocolors';
import { stripControlChars } from '../../index-builder/src/format/names.js';

export type Colors = ReturnType<typeof createColors>;

export function colorsEnabled(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export const colors = (enabled: boolean): Colors => createColors(enabled);

/** Untrusted text (registry metadata) made safe for a terminal, on one line. */
export function safe(s: string | null | undefined, max = 200): string {
  const t = stripControlChars(String(s ?? '')).replace(/[\r\n\t]+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * Left-aligned columns. Callers pass cells through `safe()` (which also shortens them);
 * every cell is stripped of control characters here again, so a missed call cannot let
 * registry text drive the terminal.
 */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = (header ? [header, ...rows] : rows).map((r) => r.map((c) => safe(c, Number.MAX_SAFE_INTEGER)));
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length))).join('  ').trimEnd()).join('\n');
}

/** A byte count for people: `805 B`, `2.3 kB`, `1.25 MB` (kB = 1024 bytes, as the sizes the registry shows). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

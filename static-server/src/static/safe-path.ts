/**
 * Pure: a request path to a safe relative path inside a tree, or null (→ 404). Each segment
 * is percent-decoded once; a segment that decodes to a separator, a NUL, `.`/`..`, starts with
 * a dot, or is empty in the middle (`//`) is refused, so encoded variants cannot reach a
 * different file than the plain spelling. `scope` is the first `@scope` segment: the file
 * belongs to that scope, whichever folder it is in.
 */
export interface SafePath {
  rel: string;
  /** Path ended in `/` (a folder: serve its index.html). */
  dir: boolean;
  scope: string | null;
}

/** Recent answers (a registry's clients ask for the same few paths over and over): bounded. */
const recent = new Map<string, Readonly<SafePath> | null>();

export function safePath(pathname: string): Readonly<SafePath> | null {
  let r = recent.get(pathname);
  if (r === undefined) {
    r = decide(pathname);
    if (recent.size >= 4096) recent.clear();
    recent.set(pathname, r);
  }
  return r;
}

function decide(pathname: string): Readonly<SafePath> | null {
  if (!pathname.startsWith('/') || pathname.length > 1024) return null;
  const raw = pathname.slice(1).split('/');
  const dir = raw.length > 0 && raw[raw.length - 1] === '';
  if (dir) raw.pop();
  const segs: string[] = [];
  for (const r of raw) {
    let s: string;
    try {
      s = decodeURIComponent(r);
    } catch {
      return null;
    }
    if (s === '' || s.startsWith('.') || /[/\\\0]/.test(s) || /[\u0000-\u001f\u007f]/.test(s) || s !== s.trim()) return null;
    segs.push(s);
  }
  const scopeSeg = segs.find((s) => s.startsWith('@'));
  return Object.freeze({ rel: segs.join('/'), dir, scope: scopeSeg ? scopeSeg.slice(1) : null });
}

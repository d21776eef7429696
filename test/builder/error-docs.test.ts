/**
 * docs/errors.md cannot drift from ERROR_CODES (like fastify's errors test): every code has a
 * section with when/fix, no section documents an unknown code, and the hostile fixtures the
 * docs cite exist and raise the code of the section that cites them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../index-builder/src/index.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8');
const FIXTURES = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));

/** `### CODE` sections: code -> body up to the next heading. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^### /m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    out.set(p.slice(0, nl).trim(), p.slice(nl + 1).split(/^#{1,3} /m)[0] ?? '');
  }
  return out;
}

function fixtureCodes(name: string): string[] {
  const e = JSON.parse(readFileSync(join(FIXTURES, name, 'expect.json'), 'utf8')) as { code?: string; problems?: { code: string }[] };
  return e.problems ? e.problems.map((p) => p.code) : [e.code ?? ''];
}

const SECTIONS = sections(DOC);

describe('docs/errors.md', () => {
  it.each(Object.keys(ERROR_CODES))('documents %s with when and fix', (code) => {
    const body = SECTIONS.get(code);
    expect(body, `docs/errors.md has no "### ${code}" section`).toBeDefined();
    expect(body).toMatch(/\*\*When:\*\* \S/);
    expect(body).toMatch(/\*\*Fix:\*\* \S/);
  });

  it('documents no code that ERROR_CODES does not have', () => {
    const documented = [...SECTIONS.keys()].filter((k) => k.startsWith('MDL_'));
    expect(documented.filter((k) => !(k in ERROR_CODES))).toEqual([]);
    expect([...DOC.matchAll(/\bMDL_[A-Z_]+\b/g)].map((m) => m[0]).filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });

  it('cites only hostile fixtures that exist and raise the code of their section', () => {
    let cited = 0;
    for (const [code, body] of SECTIONS) {
      const line = /\*Fixtures?:\*([^*]*?)(?:\n\*\*|$)/s.exec(body)?.[1] ?? '';
      for (const m of line.matchAll(/`([a-z0-9-]+)`/g)) {
        const name = m[1] ?? '';
        expect(existsSync(join(FIXTURES, name, 'expect.json')), `${code} cites missing fixture ${name}`).toBe(true);
        expect(fixtureCodes(name), `${name} is cited under ${code}`).toContain(code);
        cited++;
      }
    }
    expect(cited).toBeGreaterThan(20);
  });

  it('cites every hostile fixture under each code it raises', () => {
    const missing: string[] = [];
    for (const name of readdirSync(FIXTURES).filter((n) => existsSync(join(FIXTURES, n, 'expect.json')))) {
      for (const code of fixtureCodes(name)) {
        if (!(SECTIONS.get(code) ?? '').includes(`\`${name}\``)) missing.push(`${code}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

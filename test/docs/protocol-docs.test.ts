import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  buildInfoSchema, configJsonSchema, docEntrySchema, libraryIndexSchema, limitsSchema, manifestSchema, summaryEntrySchema,
  summaryIndexSchema, summaryPageSchema, teamsJsonSchema, versionEntrySchema, SEARCH_OPTIONS, RESERVED_NAMES,
} from '../../index-builder/src/index.js';

const docs = (f: string) => readFileSync(join(import.meta.dirname, '../../docs', f), 'utf8');

/** Every object key in a zod schema, recursively (arrays, optionals and records unwrapped). */
function keysOf(schema: z.ZodType, out = new Set<string>()): Set<string> {
  const s = schema as z.ZodType & { def?: { type?: string; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType } };
  if (s instanceof z.ZodObject) {
    for (const [k, v] of Object.entries(s.shape as Record<string, z.ZodType>)) {
      out.add(k);
      keysOf(v, out);
    }
  } else if (s.def?.innerType) keysOf(s.def.innerType, out);
  else if (s.def?.element) keysOf(s.def.element, out);
  else if (s.def?.type === 'record' && s.def.valueType) keysOf(s.def.valueType, out);
  return out;
}

describe('docs cannot drift from the format', () => {
  it('docs/protocol.md names every field of every emitted JSON schema', () => {
    const text = docs('protocol.md');
    const schemas = [configJsonSchema, libraryIndexSchema, versionEntrySchema, docEntrySchema, summaryIndexSchema, summaryPageSchema, summaryEntrySchema, teamsJsonSchema, buildInfoSchema];
    const missing = schemas.flatMap((s) => [...keysOf(s)]).filter((k) => !text.includes(`\`${k}\``) && !new RegExp(`\\b${k}\\b`).test(text));
    expect(missing).toEqual([]);
    expect(keysOf(versionEntrySchema).size).toBeGreaterThan(15);
  });

  it('docs/protocol.md gives the exact search options clients must use', () => {
    const text = docs('protocol.md');
    expect(text).toContain(JSON.stringify(SEARCH_OPTIONS.fields).replace(/,/g, ', '));
    expect(text).toContain(JSON.stringify(SEARCH_OPTIONS.storeFields).replace(/,/g, ', '));
  });

  it('docs/library-format.md names every manifest field, every limit and every reserved name', () => {
    const text = docs('library-format.md');
    const missing = [...keysOf(manifestSchema), ...keysOf(limitsSchema)].filter((k) => !new RegExp(`\\b${k}\\b`).test(text));
    expect(missing).toEqual([]);
    const reserved = [...RESERVED_NAMES].filter((n) => !new RegExp(`(^|\\s|\`)${n}(\\s|\`|$)`, 'm').test(text));
    expect(reserved).toEqual([]);
  });
});

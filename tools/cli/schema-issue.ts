/** The first problem of a failed schema check, as one line for an error message (pure). */
import type { z } from 'zod';
import { sanitizeForMessage } from '../../index-builder/src/format/names.js';

/**
 * `path.to.field: message`. A bad record key is reported with its own rule (zod says only
 * "Invalid key in record"), and every path part is made safe to print: keys come from the
 * file or the registry, and may hold terminal control characters.
 */
export function firstIssue(error: z.ZodError): string {
  const i = error.issues[0];
  if (!i) return 'schema mismatch';
  const where = i.path.map((p) => sanitizeForMessage(String(p))).join('.') || '(top level)';
  const inner = i.code === 'invalid_key' ? i.issues[0]?.message : undefined;
  return `${where}: ${inner ?? i.message}`;
}

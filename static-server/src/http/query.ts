/** Validates query parameters with zod; every problem becomes one 400 naming the fields. */
import type { z } from 'zod';
import { httpError } from '../errors.js';

export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.infer<S> {
  const obj: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in obj)) obj[k] = v;
  const r = schema.safeParse(obj);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw httpError('MDL_BAD_REQUEST', `invalid query: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { problems });
  }
  return r.data;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw httpError('MDL_BAD_REQUEST', `invalid body: ${problems.map((p) => `${p.field || '(body)'}: ${p.message}`).join('; ')}`, { problems });
  }
  return r.data;
}

/** GET /users/me, parsed. */
import { z } from 'zod';
import { cliError } from '../errors.js';
import type { RegistryClient } from './client.js';

export const meSchema = z.object({
  user: z.string(),
  admin: z.boolean().optional(),
  registry_admin: z.boolean().optional(),
  token: z.object({ id: z.string().optional(), name: z.string().optional(), expires_at: z.string().nullable().optional(), scopes: z.array(z.string()).optional() }).optional(),
  private_scopes: z.array(z.string()).optional(),
  teams: z.array(z.object({ team: z.string(), role: z.string() })).optional(),
});
export type Me = z.infer<typeof meSchema>;

export async function fetchMe(client: RegistryClient): Promise<Me> {
  const { json } = await client.api('users/me', { what: 'who the token belongs to (/users/me)' });
  const r = meSchema.safeParse(json);
  if (!r.success) throw cliError('CLI_BAD_RESPONSE', 'the server\'s /users/me answer does not match the API schema', 'the server may be a different version; tell its operator');
  return r.data;
}

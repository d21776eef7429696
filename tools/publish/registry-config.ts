/** Pure: registry.toml text -> config, with a clear error when it does not parse. */
import { parse } from 'smol-toml';
import { registryConfigSchema, type RegistryConfig } from '../../index-builder/src/index.js';
import { publishError } from './errors.js';

export function parseRegistryConfig(text: string): RegistryConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw publishError('PUB_GIT_FAILED', `the registry repo's registry.toml is not valid TOML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, 'fix registry.toml in the registry repo first', { cause: e });
  }
  const r = registryConfigSchema.safeParse(raw);
  if (!r.success) throw publishError('PUB_GIT_FAILED', `the registry repo's registry.toml does not match its schema: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'fix registry.toml in the registry repo first');
  return r.data;
}

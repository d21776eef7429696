/**
 * Codes of check-mode findings (BUILD-6, REPO-2, PUB-3). Builder codes (MDL_VERSION_CHANGED,
 * MDL_MANIFEST_INVALID, ...) are reused as they are; these are the ones only check mode has.
 * Each is documented in docs/ci.md (test/publish/docs.test.ts checks it).
 */
export const CHECK_CODES = {
  MDL_CHECK_NOT_MEMBER: 'The author or signer is not a member of the scope the change touches',
  MDL_CHECK_NOT_SCOPE_ADMIN: 'A scope file change needs an admin of that scope (or a registry admin)',
  MDL_CHECK_NOT_REGISTRY_ADMIN: 'The change needs a registry admin (deletions, new scopes, registry.toml, files outside the layout)',
  MDL_CHECK_UNSIGNED: 'A pushed commit that touches a scope carries no signature',
  MDL_CHECK_KEY_NOT_LISTED: 'A pushed commit is signed by a key the scope file does not list',
  MDL_CHECK_BAD_SIGNATURE: 'A pushed commit has a signature that does not verify (bad, expired or revoked)',
  MDL_CHECK_KEY_INVALID: 'A [[keys]] entry of a scope file cannot be used for verification',
  MDL_CHECK_HISTORY_REWRITTEN: 'The pushed head does not descend from the base: history was rewritten',
  MDL_CHECK_USAGE: 'Check mode was called wrongly (unknown base/head revision, missing author)',
} as const;

export type CheckCode = keyof typeof CHECK_CODES;

/**
 * Codes of errors a user can hit while preparing a registry-repo change (CLI-6, CLI-7).
 * Each is documented in docs/ci.md (test/publish/docs.test.ts checks it). The CLI's top-level
 * catch prints message + hint and exits 1.
 */
import { MdlibsError } from '../../index-builder/src/index.js';

export const PUBLISH_CODES = {
  PUB_NO_REPOSITORY: 'No registry repository is known (give --repo, set MDLIBS_REGISTRY_REPO, or registry.toml repository)',
  PUB_VERSION_EXISTS: 'The version is already in the registry repo (published versions are immutable)',
  PUB_VERSION_DELETED: 'The version number was published and deleted before; it can never be reused',
  PUB_INVALID_LIBRARY: 'The library folder fails the builder validation (see the problems)',
  PUB_NOT_FOUND: 'The library, version or scope to change is not in the registry repo',
  PUB_NO_CHANGE: 'The registry repo already has this state; nothing to change',
  PUB_BAD_ARGUMENT: 'An argument is malformed (library spec, username, role)',
  PUB_GIT_FAILED: 'A git command against the registry repo failed (clone, fetch, commit, push)',
  PUB_PUSH_REJECTED: 'The registry repo refused the push, also after fetching and retrying',
  PUB_SIGNING_NOT_CONFIGURED: 'A direct push needs a signed commit, and git has no signing key configured',
  PUB_GITHUB_TOKEN_MISSING: '--via pr needs a GitHub token (GITHUB_TOKEN or GH_TOKEN)',
  PUB_GITHUB_AUTH: 'GitHub refused the token (401)',
  PUB_GITHUB_FORBIDDEN: 'GitHub refused the request: the token lacks a permission (403)',
  PUB_GITHUB_RATE_LIMITED: 'The GitHub API rate limit is exhausted (403/429 with rate-limit headers)',
  PUB_GITHUB_VALIDATION: 'GitHub rejected the request as invalid (422), e.g. the branch or pull request already exists',
  PUB_GITHUB_NOT_FOUND: 'GitHub has no such repository, branch or file, or the token cannot see it (404)',
  PUB_GITHUB_ERROR: 'GitHub answered with another error (5xx, network)',
  PUB_NOT_GITHUB: '--via pr needs a GitHub repository URL',
} as const;

export type PublishCode = keyof typeof PUBLISH_CODES;

export function publishError(code: PublishCode, message: string, hint: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}): MdlibsError<PublishCode> {
  return new MdlibsError<PublishCode>(code, message, { hint, ...opts });
}

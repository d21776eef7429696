/** Maps GitHub REST API failures to clear, coded errors (401, 403, 404, 422, rate limits). */
import type { MdlibsError } from '../../index-builder/src/index.js';
import { publishError, type PublishCode } from './errors.js';

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function apiMessage(e: HttpishError): string {
  const data = e.response?.data as { message?: unknown; errors?: unknown } | undefined;
  const parts: string[] = [];
  if (data && typeof data.message === 'string') parts.push(data.message);
  if (data && Array.isArray(data.errors)) {
    for (const x of data.errors.slice(0, 5)) parts.push(typeof x === 'string' ? x : typeof (x as { message?: unknown }).message === 'string' ? String((x as { message: string }).message) : JSON.stringify(x));
  }
  return (parts.join('; ') || e.message || 'no message').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

/** `what` says what was being done, e.g. "creating the pull request". */
export function mapGitHubError(err: unknown, what: string): MdlibsError<PublishCode> {
  const e = (err ?? {}) as HttpishError;
  const status = e.status;
  const h = e.response?.headers ?? {};
  const msg = apiMessage(e);
  const at = (code: PublishCode, message: string, hint: string) => publishError(code, message, hint, { cause: err, details: { status, what } });
  const remaining = h['x-ratelimit-remaining'];
  if (status === 429 || (status === 403 && (String(remaining) === '0' || /rate limit/i.test(msg)))) {
    const reset = Number(h['x-ratelimit-reset']);
    const retryAfter = Number(h['retry-after']);
    const when = Number.isFinite(retryAfter) && retryAfter > 0 ? `in ${retryAfter} s` : Number.isFinite(reset) && reset > 0 ? `at ${new Date(reset * 1000).toISOString()}` : 'later';
    return at('PUB_GITHUB_RATE_LIMITED', `GitHub rate limit hit while ${what}: ${msg}`, `try again ${when}; authenticated tokens get higher limits`);
  }
  switch (status) {
    case 401:
      return at('PUB_GITHUB_AUTH', `GitHub refused the token while ${what} (401: ${msg})`, 'the token is wrong, expired or revoked: create a new one (scopes: repo, or fine-grained contents+pull-requests write) and set GITHUB_TOKEN');
    case 403:
      return at('PUB_GITHUB_FORBIDDEN', `GitHub refused ${what} (403: ${msg})`, 'the token lacks a permission: it needs contents:write and pull-requests:write on the registry repo (or on your fork)');
    case 404:
      return at('PUB_GITHUB_NOT_FOUND', `GitHub found nothing while ${what} (404: ${msg})`, 'check the registry repository URL and branch; a private repo answers 404 to tokens that cannot see it');
    case 422:
      return at('PUB_GITHUB_VALIDATION', `GitHub rejected ${what} (422: ${msg})`, 'a branch or pull request for this change may already exist: look at the open pull requests of the registry repo');
    default:
      return at('PUB_GITHUB_ERROR', `GitHub failed while ${what}${status ? ` (${status})` : ''}: ${msg}`, 'check the network and https://www.githubstatus.com, then try again');
  }
}

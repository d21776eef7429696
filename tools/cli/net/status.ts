/** Maps a registry's HTTP error answers (`{"error":{"code","message"}}`) to CLI errors. */
import { stripControlChars } from '../../../index-builder/src/format/names.js';
import { cliError, type CliError } from '../errors.js';
import { redactUrl, type HttpResponse } from './http.js';

export function serverError(res: HttpResponse): { code: string; message: string; retryAfter: number | null } {
  let code = '';
  let message = '';
  let retryAfter: number | null = null;
  try {
    const j = JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown; message?: unknown; details?: { retry_after?: unknown } }; retry_after?: unknown };
    if (typeof j.error?.code === 'string') code = j.error.code;
    if (typeof j.error?.message === 'string') message = j.error.message;
    const ra = j.error?.details?.retry_after ?? j.retry_after;
    if (typeof ra === 'number') retryAfter = ra;
  } catch {
    // not JSON: a plain static host or proxy page
  }
  const header = Number(res.headers.get('retry-after'));
  if (retryAfter === null && Number.isFinite(header) && header > 0) retryAfter = header;
  return { code: stripControlChars(code).slice(0, 64), message: stripControlChars(message).slice(0, 300), retryAfter };
}

/** The error for a non-2xx answer the caller does not handle itself. */
export function statusError(res: HttpResponse, what: string, sentToken: boolean): CliError {
  const { code, message, retryAfter } = serverError(res);
  const said = message ? `: ${message}` : '';
  const url = redactUrl(res.url);
  if (res.status === 401) {
    if (/expired/i.test(code) || /expired/i.test(message)) {
      return cliError('CLI_AUTH_EXPIRED', `the token for ${new URL(res.url).origin} has expired (${what})`, 'create a new token and store it with `mdlibs login --registry <url>`', { status: 401, serverCode: code });
    }
    if (sentToken) {
      return cliError('CLI_AUTH_INVALID', `the registry refused the token while reading ${what}${said}`, 'the token may be revoked or mistyped: run `mdlibs login` again', { status: 401, serverCode: code });
    }
    return cliError('CLI_AUTH_REQUIRED', `${what} needs a token${said}`, 'run `mdlibs login --registry <url>` or set MDLIBS_TOKEN', { status: 401, serverCode: code });
  }
  if (res.status === 403) {
    return cliError('CLI_FORBIDDEN', `not allowed: ${what}${said}`, 'ask a scope admin for access, or use a token that may read this scope', { status: 403, serverCode: code });
  }
  if (res.status === 429) {
    return cliError('CLI_RATE_LIMITED', `the registry rate limit was hit while reading ${what}`, retryAfter ? `wait ${retryAfter} s and retry, or log in for a higher limit` : 'wait and retry, or log in for a higher limit', { status: 429, retryAfter });
  }
  const fix = res.status >= 500 ? 'the registry has a problem; retry later or tell its operator'
    : res.status === 400 && code ? 'the registry did not accept what was asked (its message says what); change the arguments'
      : 'check the registry URL with `mdlibs registry list`';
  return cliError('CLI_HTTP', `${url} answered HTTP ${res.status} (${what})${said}`, fix, { status: res.status, serverCode: code });
}

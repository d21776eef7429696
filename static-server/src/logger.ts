/** pino JSON logs; tokens and Authorization headers are redacted (SEC-4). */
import pino, { type Logger } from 'pino';

export const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', 'secret', '*.token', '*.secret'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'mdlibs-server' } }, destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * A token in free text, also with any of its characters percent-encoded (`%6Ddl_…`, `mdl%5F…`,
 * all of it: a URL is logged as sent, and a client or library may encode more than it must).
 */
const TOKENISH = /(?:m|%6[dD])(?:d|%64)(?:l|%6[cC])(?:_|%5[fF])(?:[A-Za-z0-9]|%(?:3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]))+/g;

/** Removes anything that looks like a token from free text (URLs in logs, messages). */
export const scrub = (s: string): string => s.replace(TOKENISH, 'mdl_[redacted]');

/** pino JSON logs; tokens and Authorization headers are redacted (SEC-4). */
import pino, { type Logger } from 'pino';

export const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token', 'secret', '*.token', '*.secret'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'mdlibs-server' } }, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Removes anything that looks like a token from free text (URLs in logs, messages). */
export const scrub = (s: string): string => s.replace(/mdl_[A-Za-z0-9]+/g, 'mdl_[redacted]');

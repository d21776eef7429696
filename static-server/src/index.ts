/**
 * Public API of the static server. Other components and tests import from here only.
 */
export { startServer, type StartOptions, type RunningServer } from './start-server.js';
export { ConfigError, configSchema, OPTIONS, resolveConfig, configFromEnv, readConfigFile, type ServerConfig, type ServerConfigInput } from './config.js';
export { SERVER_ERRORS, ServerError, type ServerErrorCode } from './errors.js';
export { issueToken, hashToken, parseExpiry, tokenView, TOKEN_PREFIX, type IssueInput, type IssuedToken } from './auth/tokens.js';
export { openStore, SQLITE_FILE } from './store/open-store.js';
export { openSqliteStore } from './store/sqlite-store.js';
export { openPostgresStore } from './store/postgres-store.js';
export type { Store, TokenRecord, DownloadRow, AuditEvent } from './store/store.js';

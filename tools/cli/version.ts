/** The CLI version (kept equal to package.json by a test; read without touching the file system at start-up). */
export const VERSION = '0.1.0';

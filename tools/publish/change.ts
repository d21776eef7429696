/** A prepared registry-repo change: the files to write, and how to describe it. */
import type { RegistryConfig } from '../../index-builder/src/index.js';

export interface FileChange {
  /** Registry-relative POSIX path. */
  path: string;
  /** New content; null deletes the file. */
  content: Buffer | null;
}

export interface RegistryChange {
  /** One line: commit subject and PR title. */
  title: string;
  /** Markdown lines for the PR description / commit body (what changed). */
  body: string[];
  /** Branch name used when the change goes to a branch (PR, merge request). */
  branch: string;
  files: FileChange[];
}

/** Read access to the registry repo, whatever carries it (a clone, the GitHub API). */
export interface RegistrySource {
  config: RegistryConfig;
  readFile(path: string): Promise<Buffer | null>;
  exists(path: string): Promise<boolean>;
  /** True when the path existed once and was deleted (a version number that can never come back). Unknown: false. */
  wasDeleted(path: string): Promise<boolean>;
}

/** Branch-name-safe slug. */
export function slug(s: string): string {
  return s.replace(/^@/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

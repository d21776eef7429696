/** The check report (BUILD-6): what changed, what each commit's signature says, and every problem. */
import type { ErrorCode, ProblemLocation } from '../errors.js';
import type { Change } from './classify.js';
import type { CheckCode } from './codes.js';
import type { SignatureStatus } from './signatures.js';

export interface CheckFinding extends ProblemLocation {
  code: CheckCode | ErrorCode;
  message: string;
  hint: string;
  /** Commit the finding is about (push mode). */
  commit?: string;
}

export interface CheckedCommit {
  sha: string;
  subject: string;
  /** Scopes (and `registry` for admin-only paths) the commit touches. */
  touches: string[];
  signature: SignatureStatus | 'not-needed';
  signer: string | null;
  key: string | null;
}

export interface CheckReport {
  ok: boolean;
  mode: 'pr' | 'push';
  registry: string | null;
  base: string | null;
  head: string;
  author: string | null;
  changes: Change[];
  commits: CheckedCommit[];
  problems: CheckFinding[];
}

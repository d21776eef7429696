/** Renders a check report as markdown (PR comment, job summary), JSON, or plain text. Pure. */
import { stripControlChars } from '../format/names.js';
import { CHANGE_LABELS } from './classify.js';
import type { CheckReport } from './report.js';

/** Marker so CI can find and update its earlier comment instead of adding a new one. */
export const REPORT_MARKER = '<!-- mdlibs-check-report -->';

/**
 * Untrusted text (paths, commit subjects, usernames) must not inject markdown, HTML or
 * @-mentions into a PR comment.
 */
export function mdEscape(s: string): string {
  return stripControlChars(s)
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~!]/g, (c) => `\\${c}`)
    .replace(/@/g, '@\u200b');
}

/** Inline code span that survives any content (no backticks, no newlines inside). */
export function mdCode(s: string): string {
  return `\`${stripControlChars(s).replace(/[\r\n]+/g, ' ').replace(/`/g, "'")}\``;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '(empty)');

export function renderMarkdown(r: CheckReport): string {
  const lines: string[] = [REPORT_MARKER];
  const n = r.problems.length;
  lines.push(r.ok ? '## ✅ mdlibs check passed' : `## ❌ mdlibs check failed: ${n} problem${n === 1 ? '' : 's'}`, '');
  const who = r.mode === 'pr' ? `pull request by ${mdCode(r.author ?? '?')}` : 'direct push (signatures verified)';
  lines.push(`${r.registry ? `Registry ${mdEscape(r.registry)} · ` : ''}${who} · base ${mdCode(short(r.base))} → head ${mdCode(short(r.head))}`, '');
  if (r.changes.length) {
    lines.push('| Change | Where | Files |', '|---|---|---|');
    for (const c of r.changes) {
      const where = c.library ? `${c.library}${c.version ? `@${c.version}` : ''}` : c.path;
      lines.push(`| ${CHANGE_LABELS[c.kind]} | ${mdCode(where)} | ${c.files.length} |`);
    }
    lines.push('');
  } else lines.push('No registry files changed.', '');
  if (r.commits.length) {
    lines.push('| Commit | Subject | Touches | Signature | Signer |', '|---|---|---|---|---|');
    for (const c of r.commits) lines.push(`| ${mdCode(c.sha.slice(0, 12))} | ${mdEscape(c.subject.slice(0, 80))} | ${c.touches.map(mdCode).join(' ') || '–'} | ${c.signature} | ${c.signer ? mdCode(c.signer) : '–'} |`);
    lines.push('');
  }
  if (n) {
    lines.push('### Problems', '');
    r.problems.forEach((p, i) => {
      const where = p.file ? ` ${mdCode(`${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` (${p.field})` : ''}`)}` : '';
      lines.push(`${i + 1}. **${p.code}**${where}: ${mdEscape(p.message)}`, `   - fix: ${mdEscape(p.hint)}`);
    });
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

export function renderJson(r: CheckReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function renderText(r: CheckReport): string {
  const lines = [`mdlibs check (${r.mode}) ${short(r.base)}..${short(r.head)}: ${r.ok ? 'passed' : `${r.problems.length} problem(s)`}`];
  for (const c of r.changes) lines.push(`  ${CHANGE_LABELS[c.kind]}: ${stripControlChars(c.library ? `${c.library}${c.version ? `@${c.version}` : ''}` : c.path)}`);
  for (const c of r.commits) lines.push(`  commit ${c.sha.slice(0, 12)} ${c.signature}${c.signer ? ` by ${c.signer}` : ''}: ${stripControlChars(c.subject.slice(0, 80))}`);
  for (const p of r.problems) lines.push(`${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.code} ${stripControlChars(p.message)}\n  fix: ${stripControlChars(p.hint)}`);
  return `${lines.join('\n')}\n`;
}

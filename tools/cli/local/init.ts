/** `mdlibs init`: copies a library template from templates/libraries/ and fills in its placeholders (LIB-4). */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkLibraryName, sanitizeForMessage } from '../../../index-builder/src/format/names.js';
import { cliError } from '../errors.js';

export const TEMPLATES = {
  'docs-handbook': 'A team handbook: getting started, how we work, a page template',
  'api-guide': 'An API guide: overview, authentication, endpoints, an endpoint template',
  'prompt-pack': 'Prompts and agent instructions as reusable templates',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/** templates/libraries, found from this module (source tree or dist/) or MDLIBS_TEMPLATES_DIR. */
export function templatesRoot(env: Record<string, string | undefined>): string {
  if (env.MDLIBS_TEMPLATES_DIR) return env.MDLIBS_TEMPLATES_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const c = join(dir, 'templates', 'libraries');
    if (existsSync(c)) return c;
    dir = dirname(dir);
  }
  throw new Error('templates/libraries not found next to the mdlibs installation');
}

function files(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(root, p) : [relative(root, p)];
  });
}

const tomlEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export interface InitOptions {
  target: string;
  template: string;
  name?: string | undefined;
  description?: string | undefined;
  env: Record<string, string | undefined>;
}

export function initLibrary(o: InitOptions): { path: string; name: string; template: TemplateName; files: string[] } {
  // own keys only: `in` also found "constructor", "toString" and "__proto__" (then the copy crashed, exit 70)
  if (!Object.hasOwn(TEMPLATES, o.template)) {
    throw cliError('CLI_TEMPLATE_UNKNOWN', `no template named "${sanitizeForMessage(o.template, 64)}"`, `use one of: ${Object.keys(TEMPLATES).join(', ')}`);
  }
  const target = resolve(o.target);
  const link = lstatSync(target, { throwIfNoEntry: false });
  if (link) {
    const st = statSync(target, { throwIfNoEntry: false });
    if (!st) throw cliError('CLI_TARGET_EXISTS', `${target} is a symbolic link to nothing`, 'give a new folder (or create the folder it points to): mdlibs init <path>');
    if (!st.isDirectory()) throw cliError('CLI_TARGET_EXISTS', `${target} exists and is not a folder`, 'give a new folder: mdlibs init <path>');
    if (readdirSync(target).length > 0) throw cliError('CLI_TARGET_EXISTS', `${target} is not empty`, 'give a new folder: mdlibs init <path>');
  }
  const derived = `@my-team/${basename(target).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-')}`;
  const name = o.name ?? derived;
  const issue = checkLibraryName(name);
  if (issue) throw cliError('CLI_NAME_INVALID', `library name ${name}: ${issue.message}`, 'pass --name @scope/name (3-64 lowercase letters, digits, single hyphens per part)');
  const title = name.split('/')[1]?.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ') ?? name;
  const description = (o.description ?? `${title}: ${TEMPLATES[o.template as TemplateName].split(':')[0]}`).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 280);
  const src = join(templatesRoot(o.env), o.template);
  const written: string[] = [];
  for (const rel of files(src).sort()) {
    const text = readFileSync(join(src, rel), 'utf8');
    const isToml = rel.endsWith('.toml');
    const fill = (v: string) => (isToml ? tomlEscape(v) : v);
    const out = text.replace(/\{\{(name|title|description)\}\}/g, (_, k: string) => fill(k === 'name' ? name : k === 'title' ? title : description));
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    writeFileSync(join(target, rel), out, { flag: 'wx' });
    written.push(rel.split('\\').join('/'));
  }
  return { path: target, name, template: o.template as TemplateName, files: written };
}

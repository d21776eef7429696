#!/usr/bin/env node
/**
 * `mdlibs-check [registry-dir] --base <rev> --head <rev> --mode pr|push [--author <user>]`
 * Exit codes: 0 passed, 1 problems found, 2 usage or setup error, 70 internal error.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isMdlibsError } from '../errors.js';
import { checkChange } from './check.js';
import { renderJson, renderMarkdown, renderText } from './render.js';

async function main(): Promise<number> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('mdlibs-check')
    .usage('$0 [registry-dir] --base <rev> --head <rev> --mode pr|push [--author <user>]\n\nValidate only what a change to the registry repo touches, and decide who may make it.')
    .option('base', { type: 'string', demandOption: true, describe: 'base commit (PR base, or the commit before the push; all zeros for a new branch)' })
    .option('head', { type: 'string', default: 'HEAD', describe: 'head commit' })
    .option('mode', { choices: ['pr', 'push'] as const, demandOption: true, describe: 'pr: trust the author CI hands in; push: verify commit signatures' })
    .option('author', { type: 'string', describe: 'PR author (Git-host username), required with --mode pr' })
    .option('format', { choices: ['text', 'markdown', 'json'] as const, default: 'text' as const, describe: 'stdout format' })
    .option('markdown-out', { type: 'string', describe: 'also write the markdown report to this file (PR comment)' })
    .option('json-out', { type: 'string', describe: 'also write the JSON report to this file' })
    .option('summary', { type: 'boolean', default: false, describe: 'append the markdown report to $GITHUB_STEP_SUMMARY' })
    .strictOptions()
    .help()
    .parseAsync();
  try {
    const report = await checkChange({ registryDir: String(argv._[0] ?? '.'), base: argv.base, head: argv.head, mode: argv.mode, author: argv.author });
    const md = renderMarkdown(report);
    if (argv['markdown-out']) writeFileSync(argv['markdown-out'], md);
    if (argv['json-out']) writeFileSync(argv['json-out'], renderJson(report));
    if (argv.summary && process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, md);
    process.stdout.write(argv.format === 'json' ? renderJson(report) : argv.format === 'markdown' ? md : renderText(report));
    return report.ok ? 0 : 1;
  } catch (e) {
    if (!isMdlibsError(e)) throw e;
    process.stderr.write(`error ${e.code}: ${e.message}${e.hint ? `\n  ${e.hint}` : ''}\n`);
    return 2;
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
});

#!/usr/bin/env -S node --max-semi-space-size=8
/** `mdlibs-build <registry-dir> --out <dir> [--private-out <dir>]` */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { buildRegistry, type BuildReport } from './build/build.js';
import { tuneHeapForBuilds } from './build/heap.js';
import { formatPhases } from './build/phases.js';
import { formatProblem, isMdlibsError } from './errors.js';
import { loadSiteEmitter } from './site-loader.js';

export function formatReport(r: BuildReport, timings = false): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  const lines = [
    `built ${r.libraries} libraries, ${r.versions} versions in ${(r.durationMs / 1000).toFixed(2)} s`,
    `  versions: ${r.builtVersions.length} built, ${r.reusedVersions} reused; index files rewritten: ${r.rebuiltLibraries.length}`,
    ...(r.takenOverScopes.length ? [`  scopes taken over unchanged (folders not read): ${r.takenOverScopes.length}`] : []),
    `  tarballs: ${mb(r.tarballBytes)}; written this build: ${mb(r.bytesWritten)}`,
    `  search index: ${Object.entries(r.searchIndex).map(([v, m]) => `${m} (${v})`).join(', ')}`,
    `  public tree:  ${r.outDir}`,
  ];
  if (r.privateOutDir) lines.push(`  private tree: ${r.privateOutDir}`);
  if (timings) lines.push(`  phases: ${formatPhases(r.phases)}`);
  if (r.skippedPrivate.length) lines.push(`  warning: ${r.skippedPrivate.length} private libraries not emitted (pass --private-out <dir>)`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  tuneHeapForBuilds();
  const argv = await yargs(hideBin(process.argv))
    .scriptName('mdlibs-build')
    .usage('$0 <registry-dir> --out <dir> [--private-out <dir>]\n\nValidate a registry repo and emit the static registry tree.')
    .positional('registry-dir', { type: 'string', describe: 'registry repo root (holds registry.toml)' })
    .option('out', { type: 'string', demandOption: true, describe: 'public output path (a managed symlink, swapped atomically)' })
    .option('private-out', { type: 'string', describe: 'output path for private scopes (served only by mdlibs-server)' })
    .option('site', { type: 'boolean', default: true, describe: 'emit the HTML pages' })
    .option('json', { type: 'boolean', default: false, describe: 'print the report or the problems as JSON' })
    .option('progress', { type: 'boolean', default: true, describe: 'show progress on a TTY' })
    .option('timings', { type: 'boolean', default: false, describe: 'also print the wall time of each phase (read, validate, assemble, files, site, flush, swap)' })
    .demandCommand(1, 'give the registry folder')
    .strict()
    .help()
    .parseAsync();
  const registryDir = String(argv._[0]);
  try {
    const report = await buildRegistry({
      registryDir, outDir: argv.out, privateOutDir: argv['private-out'], progress: argv.progress && !argv.json,
      site: argv.site ? await loadSiteEmitter() : undefined,
    });
    process.stdout.write(argv.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, argv.timings)}\n`);
    return 0;
  } catch (e) {
    if (!isMdlibsError(e)) throw e;
    if (argv.json) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
    else {
      for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
      process.stderr.write(`error ${e.code}: ${e.message}${e.hint ? `\n  ${e.hint}` : ''}\n`);
    }
    return 1;
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(70);
});

/** Edits to the global config.toml and the project's .mdlibs.toml (registry add/remove/set-default). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { cliError } from '../errors.js';
import { configFile, PROJECT_FILE } from './paths.js';
import { globalConfigSchema, type GlobalConfig } from './schema.js';
import { readToml, writeToml } from './toml-io.js';

type Env = Record<string, string | undefined>;

export interface RegistriesDoc {
  default?: string | undefined;
  registries: Record<string, { url: string }>;
}

export interface ConfigTarget {
  file: string;
  read: () => RegistriesDoc;
  write: (d: RegistriesDoc) => void;
}

export function globalTarget(env: Env): ConfigTarget {
  const file = configFile(env);
  return {
    file,
    read: () => {
      const g = readToml(file, globalConfigSchema, 'global config') ?? globalConfigSchema.parse({});
      return { default: g.default, registries: { ...g.registries } };
    },
    write: (d) => {
      const g: GlobalConfig = readToml(file, globalConfigSchema, 'global config') ?? globalConfigSchema.parse({});
      const next: Record<string, unknown> = { ...g, registries: d.registries };
      if (d.default === undefined) delete next.default;
      else next.default = d.default;
      writeToml(file, next);
    },
  };
}

/** The project file; refuses a library manifest (its schema has no place for registries). */
export function projectTarget(projectDir: string): ConfigTarget {
  const file = join(projectDir, PROJECT_FILE);
  const raw = (): Record<string, unknown> => {
    if (!existsSync(file)) return {};
    const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (doc.library !== undefined) {
      throw cliError('CLI_PROJECT_FILE_CONFLICT', `${file} is a library manifest; registries cannot be stored in it`, 'store the registry in your global config instead (drop --project)');
    }
    return doc;
  };
  return {
    file,
    read: () => {
      const doc = raw();
      const project = (doc.project ?? {}) as { registry?: string };
      return { default: project.registry, registries: { ...((doc.registries ?? {}) as Record<string, { url: string }>) } };
    },
    write: (d) => {
      const doc = raw();
      const project = { ...((doc.project ?? {}) as Record<string, unknown>) };
      if (d.default === undefined) delete project.registry;
      else project.registry = d.default;
      writeToml(file, { ...doc, project, registries: d.registries });
    },
  };
}

/**
 * Per-repo configuration `.github/dbt-pr-reviewer.yml`, read the way Probot's `context.config()` reads it (the
 * `@probot/octokit-plugin-config` plugin: the repository's default branch, else the owner's `.github`
 * repository, `_extends` chains, deep merge), then validated. When the file is invalid, its raw text is read
 * once more to name the offending key and its line.
 */
import { createHash } from 'node:crypto';
import { parseConfigYaml, validateConfig, type ConfigError, type ReviewerConfig } from '../config.js';
import type { Octokit } from './types.js';

export const CONFIG_FILE_NAME = 'dbt-pr-reviewer.yml';
export const CONFIG_PATH = `.github/${CONFIG_FILE_NAME}`;

export type LoadedConfig =
  | { ok: true; config: ReviewerConfig; hash: string; source: string }
  | { ok: false; errors: ConfigError[]; message: string; hash: string; source: string };

interface ConfigFile {
  owner: string;
  repo: string;
  path: string;
  url: string;
  config: Record<string, unknown> | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** deepmerge's default semantics, as `context.config()` uses them: objects merge, arrays concatenate. */
export function deepMerge(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) return [...target, ...source];
  if (isPlainObject(target) && isPlainObject(source)) {
    const out: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(source)) out[key] = key in out ? deepMerge(out[key], value) : value;
    return out;
  }
  return source;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value as Json) ?? 'null';
}

export function hashConfig(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 12);
}

function describe(file: Pick<ConfigFile, 'owner' | 'repo' | 'path'>, current: { owner: string; repo: string }): string {
  return file.owner === current.owner && file.repo === current.repo ? file.path : `${file.owner}/${file.repo}:${file.path}`;
}

function formatErrors(source: string, errors: readonly ConfigError[]): string {
  return errors
    .map((e) => `${source}${e.line !== undefined ? ` line ${e.line}` : ''}: ${e.message}${e.key && !e.message.includes(e.key) ? ` (key \`${e.key}\`)` : ''}`)
    .join('\n');
}

async function readRaw(octokit: Octokit, file: { owner: string; repo: string; path: string }): Promise<string | undefined> {
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: file.owner,
      repo: file.repo,
      path: file.path,
      mediaType: { format: 'raw' },
    });
    return typeof response.data === 'string' ? response.data : undefined;
  } catch {
    return undefined;
  }
}

/** Reads, merges and validates the reviewer config of a repository. Never throws for a bad file. */
export async function loadRepoConfig(octokit: Octokit, repo: { owner: string; repo: string }): Promise<LoadedConfig> {
  let files: ConfigFile[];
  try {
    const result = await octokit.config.get<Record<string, unknown>>({
      owner: repo.owner,
      repo: repo.repo,
      path: CONFIG_PATH,
    });
    files = result.files as ConfigFile[];
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined && status !== 404) throw error; // GitHub trouble, not a bad file
    // The plugin could not parse a file (invalid YAML, bad `_extends`): read our file to point at the line.
    const text = await readRaw(octokit, { ...repo, path: CONFIG_PATH });
    const parsed = text !== undefined ? parseConfigYaml(text) : undefined;
    const errors: ConfigError[] =
      parsed && !parsed.ok ? parsed.errors : [{ message: (error as Error).message.replace(/^\[@probot\/octokit-plugin-config\] /, '') }];
    return { ok: false, errors, message: formatErrors(CONFIG_PATH, errors), hash: hashConfig({ error: errors }), source: CONFIG_PATH };
  }

  const present = files.filter((f) => f.config !== null);
  const source = present.length > 0 ? present.map((f) => describe(f, repo)).join(' extending ') : 'defaults (no config file)';
  // Files are listed from the repository's own to the one it extends last; later ones are the base.
  const merged = present.map((f) => f.config).reverse().reduce<unknown>((acc, cfg) => deepMerge(acc, cfg), {});
  if (isPlainObject(merged)) delete merged._extends;
  const hash = hashConfig(merged);
  const result = validateConfig(merged);
  if (result.ok) return { ok: true, config: result.config, hash, source };

  // Name the key and line: validate each file on its own from its raw text.
  const located: string[] = [];
  let errors: ConfigError[] = [];
  for (const file of present) {
    const text = await readRaw(octokit, file);
    if (text === undefined) continue;
    const own = parseConfigYaml(text.replace(/^_extends:.*$/m, ''));
    if (!own.ok) {
      errors = [...errors, ...own.errors];
      located.push(formatErrors(describe(file, repo), own.errors));
    }
  }
  if (located.length === 0) {
    errors = result.errors;
    located.push(formatErrors(source, result.errors));
  }
  return { ok: false, errors, message: located.join('\n'), hash, source };
}

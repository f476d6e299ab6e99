/**
 * Loads prompt templates from the package's `prompts/` folder at run time. The folder is found relative to this
 * module (package root = the nearest ancestor holding `prompts/`), so it works from `src/` (tsx, vitest) and from
 * the compiled `dist/`, and from an installed package (`files` includes `prompts`).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePromptTemplate, type PromptTemplate } from './prompt.js';

export const DEFAULT_PROMPT = 'review-residual';

/** The `prompts/` folder of the package this module belongs to. */
export function findPromptsDir(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'prompts');
    if (existsSync(join(candidate, `${DEFAULT_PROMPT}.md`))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`prompts/${DEFAULT_PROMPT}.md not found above ${fileURLToPath(from)}`);
}

const loaded = new Map<string, Promise<PromptTemplate>>();

/** Reads and parses `prompts/<name>.md` (cached per process). */
export function loadPromptTemplate(name: string = DEFAULT_PROMPT, dir?: string): Promise<PromptTemplate> {
  if (!/^[\w-]+$/.test(name)) return Promise.reject(new Error(`invalid prompt name ${name}`));
  const path = join(dir ?? findPromptsDir(), `${name}.md`);
  let p = loaded.get(path);
  if (!p) {
    p = readFile(path, 'utf8').then((text) => parsePromptTemplate(text, `prompts/${name}.md`));
    p.catch(() => loaded.delete(path));
    loaded.set(path, p);
  }
  return p;
}

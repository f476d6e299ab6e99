/**
 * Builds fixture git repositories for the fake GitHub: write files, commit, branch. Deterministic authors and
 * dates, so SHAs are stable for a given content.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from './git.js';

export class FixtureRepo {
  #tick = 0;

  private constructor(readonly dir: string) {}

  /** A new repository in a temporary folder, on branch `main`. */
  static create(prefix = 'dbt-fixture-'): FixtureRepo {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    git(dir, ['init', '--quiet', '--initial-branch=main']);
    return new FixtureRepo(dir);
  }

  /** Writes (string) or deletes (null) files and commits them on the current branch; returns the commit SHA. */
  commit(message: string, files: Record<string, string | null>): string {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        rmSync(full, { force: true });
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    git(this.dir, ['add', '--all']);
    const date = `2024-01-01T00:00:${String(this.#tick++ % 60).padStart(2, '0')}Z`;
    const env = ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', '-c', 'commit.gpgsign=false'];
    git(this.dir, [...env, 'commit', '--quiet', '--allow-empty', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    return this.sha('HEAD');
  }

  /** Creates `name` at `from` (default: the current commit) and switches to it. */
  branch(name: string, from = 'HEAD'): void {
    git(this.dir, ['checkout', '--quiet', '-b', name, from]);
  }

  checkout(name: string): void {
    git(this.dir, ['checkout', '--quiet', name]);
  }

  sha(ref: string): string {
    return git(this.dir, ['rev-parse', ref]).trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

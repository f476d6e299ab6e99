import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { GitError, catFileBatch, parseBatchOutput } from '../../src/sources/git-exec.js';
import { commit, git, initRepo, removeTempDirs } from './git-fixture.js';

afterAll(removeTempDirs);

const scratchFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('dbt-pr-reviewer-git-'));

describe('catFileBatch', () => {
  it('answers every name in order: contents byte for byte, missing objects without content', async () => {
    const repo = initRepo();
    const binary = Buffer.from([0, 1, 2, 10, 255, 10]).toString('latin1');
    const sha = commit(repo, { 'a.sql': 'select 1\n\nfrom x\n', 'empty.yml': '', 'bin.dat': binary });
    const before = scratchFolders();
    const objects = await catFileBatch(repo, [`${sha}:a.sql`, `${sha}:nope.sql`, `${sha}:empty.yml`, `${sha}:a.sql`]);
    expect(objects.map((o) => [o.name, o.type, o.content?.toString('utf8')])).toEqual([
      [`${sha}:a.sql`, 'blob', 'select 1\n\nfrom x\n'],
      [`${sha}:nope.sql`, undefined, undefined],
      [`${sha}:empty.yml`, 'blob', ''],
      [`${sha}:a.sql`, 'blob', 'select 1\n\nfrom x\n'],
    ]);
    const oid = git(repo, 'rev-parse', `${sha}:bin.dat`).trim();
    const [bin] = await catFileBatch(repo, [oid]);
    expect(bin!.content).toEqual(execFileSync('git', ['-C', repo, 'cat-file', 'blob', oid]));
    expect(bin!.content!.includes(0)).toBe(true);
    // git wrote into a temporary file that is gone once read
    expect(scratchFolders()).toEqual(before);
  });

  it('rejects output that does not answer every name', () => {
    const out = Buffer.from('0123abcd blob 5\nhello\n');
    expect(parseBatchOutput(out, ['x']).map((o) => o.content?.toString())).toEqual(['hello']);
    expect(() => parseBatchOutput(out, ['x', 'y'])).toThrow(GitError);
    expect(() => parseBatchOutput(Buffer.from('0123abcd blob 50\nhello\n'), ['x'])).toThrow(/answered 0 of 1/);
    expect(() => parseBatchOutput(Buffer.from('garbage\n'), ['x'])).toThrow(/unexpected output/);
  });
});

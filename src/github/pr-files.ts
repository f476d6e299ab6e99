/**
 * The files of a pull request, all pages of `GET /pulls/{n}/files` (GitHub lists at most 3000). Files whose patch
 * GitHub left out (huge diffs, binaries) and PRs over the listing limit degrade with a note.
 */
import type { ChangedFile } from '../ports.js';
import type { Octokit } from './types.js';

export const GITHUB_PR_FILES_LIMIT = 3000;

export interface PrFile extends ChangedFile {
  /** Blob SHA of the file at the head (absent for removed files). */
  sha?: string;
  /** Lines added + removed; 0 for a pure rename. */
  changes: number;
}

export interface PrFileList {
  files: PrFile[];
  notes: string[];
  /** GitHub listed fewer files than the PR has. */
  truncated: boolean;
}

const STATUS: Record<string, ChangedFile['status']> = {
  added: 'added',
  removed: 'removed',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'added',
  changed: 'modified',
  unchanged: 'modified',
};

export async function listPullRequestFiles(
  octokit: Octokit,
  params: { owner: string; repo: string; pullNumber: number; expectedCount?: number },
): Promise<PrFileList> {
  const raw = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: params.owner,
    repo: params.repo,
    pull_number: params.pullNumber,
    per_page: 100,
  });
  const files: PrFile[] = raw.map((f) => {
    const file: PrFile = {
      path: f.filename,
      status: STATUS[f.status] ?? 'modified',
      changes: f.changes,
    };
    if (f.previous_filename && f.status === 'renamed') file.previousPath = f.previous_filename;
    if (typeof f.patch === 'string') file.patch = f.patch;
    if (f.status !== 'removed' && f.sha) file.sha = f.sha;
    return file;
  });
  const notes: string[] = [];
  const truncated =
    files.length >= GITHUB_PR_FILES_LIMIT || (params.expectedCount !== undefined && params.expectedCount > files.length);
  if (truncated) {
    const total = params.expectedCount !== undefined && params.expectedCount > files.length ? `${params.expectedCount}` : `more than ${files.length}`;
    notes.push(
      `This pull request changes ${total} files; GitHub lists only the first ${files.length}, so only those were reviewed. Run the CLI locally for the full diff.`,
    );
  }
  const noPatch = files.filter((f) => f.patch === undefined && f.changes > 0).map((f) => f.path);
  if (noPatch.length > 0) {
    const shown = noPatch.slice(0, 10).map((p) => `\`${p}\``).join(', ');
    notes.push(
      `GitHub returned no diff for ${noPatch.length} file(s) (too large or binary): ${shown}${noPatch.length > 10 ? ', …' : ''}. They get no inline comments.`,
    );
  }
  return { files, notes, truncated };
}

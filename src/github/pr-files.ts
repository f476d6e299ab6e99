/**
 * The files of a pull request. First from the compare of its base and head (one request, with the merge base);
 * when that cannot be trusted to be complete (300 files or more, a count that differs from the PR's, an answer
 * GitHub refused) from all pages of `GET /pulls/{n}/files` (GitHub lists at most 3000 there). Files whose patch
 * GitHub left out (huge diffs, binaries) and PRs over the listing limit degrade with a note.
 */
import type { ChangedFile } from '../ports.js';
import { compareFiles, GITHUB_COMPARE_FILES_LIMIT, type DiffEntry } from './compare-files.js';
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
  /** Which listing answered: the compare (one request) or the PR files pages. */
  source: 'compare' | 'pull-files';
  /** The merge base the files are diffed against; set only when they came from the compare, which names it. */
  mergeBaseSha?: string;
  /** Why the compare's listing was not used. */
  compareFallback?: string;
}

export interface ListPullRequestFilesParams {
  owner: string;
  repo: string;
  pullNumber: number;
  baseSha: string;
  headSha: string;
  /** Files GitHub counts in the PR (`pull_request.changed_files`), when known. */
  expectedCount?: number;
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

function toPrFile(entry: DiffEntry): PrFile {
  const file: PrFile = { path: entry.filename, status: STATUS[entry.status] ?? 'modified', changes: entry.changes };
  if (entry.previous_filename && entry.status === 'renamed') file.previousPath = entry.previous_filename;
  if (typeof entry.patch === 'string') file.patch = entry.patch;
  if (entry.status !== 'removed' && entry.sha) file.sha = entry.sha;
  return file;
}

export async function listPullRequestFiles(octokit: Octokit, params: ListPullRequestFilesParams): Promise<PrFileList> {
  const compared = await compareFiles(octokit, params);
  let compareFallback: string;
  if (compared.ok) {
    const count = compared.files.length;
    if (count >= GITHUB_COMPARE_FILES_LIMIT) {
      compareFallback = `the compare lists ${count} files, GitHub's limit there`;
    } else if (params.expectedCount !== undefined && params.expectedCount !== count) {
      compareFallback = `the compare lists ${count} files, the pull request ${params.expectedCount}`;
    } else {
      const listing = describeListing(compared.files.map(toPrFile), params.expectedCount);
      return { ...listing, source: 'compare', mergeBaseSha: compared.mergeBaseSha };
    }
  } else {
    compareFallback = compared.reason;
  }
  const raw = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: params.owner,
    repo: params.repo,
    pull_number: params.pullNumber,
    per_page: 100,
  });
  return { ...describeListing(raw.map(toPrFile), params.expectedCount), source: 'pull-files', compareFallback };
}

/** The notes a listing needs: files GitHub did not list, files it gave no diff for. */
function describeListing(files: PrFile[], expectedCount: number | undefined): Pick<PrFileList, 'files' | 'notes' | 'truncated'> {
  const notes: string[] = [];
  const truncated = files.length >= GITHUB_PR_FILES_LIMIT || (expectedCount !== undefined && expectedCount > files.length);
  if (truncated) {
    const total = expectedCount !== undefined && expectedCount > files.length ? `${expectedCount}` : `more than ${files.length}`;
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

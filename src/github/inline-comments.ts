/**
 * Which findings become inline review comments: only those on a line of the PR diff, only new fingerprints, at
 * most `MAX_INLINE_COMMENTS` per review (errors first). A mechanical fix becomes a committable suggestion.
 */
import type { Finding, Severity } from '../review/types.js';
import { commentableLines, PatchError } from '../sources/github-patch.js';
import { findingMarker } from './markers.js';

export const MAX_INLINE_COMMENTS = 30;

export interface InlineComment {
  path: string;
  line: number;
  /** RIGHT: a head line; LEFT: a base line (what a removal removed). */
  side: 'RIGHT' | 'LEFT';
  start_line?: number;
  start_side?: 'RIGHT';
  body: string;
}

/** Commentable lines of each side of one file's diff, each with its hunk's index. */
export interface DiffLines {
  head: ReadonlyMap<number, number>;
  base: ReadonlyMap<number, number>;
}

export interface PlannedComment {
  finding: Finding;
  comment: InlineComment;
}

export interface InlinePlan {
  comments: PlannedComment[];
  /** New findings that could not be placed on the diff (they stay in the summary). */
  offDiff: Finding[];
  /** New findings on the diff left out by the per-review limit. */
  overLimit: Finding[];
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const ICON: Record<Severity, string> = { error: '🔴', warning: '🟡', info: '🔵' };

/** Diff lines per path, from the PR's file patches. Files without a patch have no commentable lines. */
export function diffLineIndex(files: readonly { path: string; patch?: string }[]): Map<string, DiffLines> {
  const index = new Map<string, DiffLines>();
  for (const f of files) {
    if (!f.patch) continue;
    try {
      index.set(f.path, { head: commentableLines(f.patch), base: commentableLines(f.patch, 'base') });
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
    }
  }
  return index;
}

/**
 * Findings as GitHub places them. A finding about a base line carries the file's base path; when the PR renamed
 * that file, GitHub's diff, review comments and annotations know it only by its new path (a base line of a
 * renamed file is its LEFT side), so such a finding moves to the new path. Fingerprints are kept.
 */
export function onPullRequestPaths(findings: readonly Finding[], files: readonly { path: string; previousPath?: string }[]): readonly Finding[] {
  const renamedTo = new Map(files.flatMap((f) => (f.previousPath !== undefined && f.previousPath !== f.path ? [[f.previousPath, f.path] as const] : [])));
  if (renamedTo.size === 0) return findings;
  return findings.map((f) => {
    const to = f.side === 'base' ? renamedTo.get(f.path) : undefined;
    return to === undefined ? f : { ...f, path: to };
  });
}

export function planInlineComments(
  findings: readonly Finding[],
  diffLines: ReadonlyMap<string, DiffLines>,
  alreadyPosted: ReadonlySet<string>,
  max = MAX_INLINE_COMMENTS,
): InlinePlan {
  const fresh = findings
    .filter((f) => !alreadyPosted.has(f.fingerprint))
    .filter((f, i, all) => all.findIndex((g) => g.fingerprint === f.fingerprint) === i)
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.path.localeCompare(b.path) || (a.line ?? 0) - (b.line ?? 0));
  const plan: InlinePlan = { comments: [], offDiff: [], overLimit: [] };
  for (const finding of fresh) {
    const comment = placeComment(finding, diffLines.get(finding.path));
    if (!comment) plan.offDiff.push(finding);
    else if (plan.comments.length >= max) plan.overLimit.push(finding);
    else plan.comments.push({ finding, comment });
  }
  return plan;
}

function placeComment(finding: Finding, diff: DiffLines | undefined): InlineComment | undefined {
  if (!diff) return undefined;
  // A finding about what the change removed sits on the removed (base) line.
  if (finding.side === 'base') {
    if (finding.line === undefined || !diff.base.has(finding.line)) return undefined;
    return { path: finding.path, line: finding.line, side: 'LEFT', body: commentBody(finding, false) };
  }
  const lines = diff.head;
  const s = finding.suggestion;
  if (s && s.startLine <= s.endLine) {
    const startHunk = lines.get(s.startLine);
    let sameHunk = startHunk !== undefined;
    for (let l = s.startLine; sameHunk && l <= s.endLine; l++) sameHunk = lines.get(l) === startHunk;
    if (sameHunk) {
      const comment: InlineComment = { path: finding.path, line: s.endLine, side: 'RIGHT', body: commentBody(finding, true) };
      if (s.startLine < s.endLine) {
        comment.start_line = s.startLine;
        comment.start_side = 'RIGHT';
      }
      return comment;
    }
  }
  if (finding.line === undefined || !lines.has(finding.line)) return undefined;
  return { path: finding.path, line: finding.line, side: 'RIGHT', body: commentBody(finding, false) };
}

function fence(text: string): string {
  let ticks = '```';
  while (text.includes(ticks)) ticks += '`';
  return ticks;
}

export function commentBody(finding: Finding, asSuggestion: boolean): string {
  const out = [`${ICON[finding.severity]} **${finding.rule}** — ${finding.message}`];
  const s = finding.suggestion;
  if (s) {
    const replacement = s.replacement.replace(/\r?\n$/, '');
    const f = fence(replacement);
    // An empty block deletes the lines; a block with one empty line would replace them with a blank line.
    if (asSuggestion) out.push('', `${f}suggestion`, ...(replacement === '' ? [] : [replacement]), f);
    else out.push('', `Suggested fix for lines ${s.startLine}–${s.endLine}:`, '', f, replacement, f);
  }
  out.push('', findingMarker(finding.fingerprint));
  return out.join('\n');
}

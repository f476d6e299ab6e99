/**
 * Hidden HTML markers that let the app find its own comments again and remember what it already posted, without
 * any storage of its own: the summary comment carries the state of the last review, each inline comment its
 * finding's fingerprint.
 */

export interface SummaryState {
  /** Head SHA of the review that wrote the comment. */
  head: string;
  /** Hash of the effective reviewer config. */
  configHash: string;
  /** Fingerprints already shown as inline review comments (or in a review body). */
  posted: string[];
}

const SUMMARY_RE = /<!-- dbt-pr-reviewer:summary v=1 head=([0-9a-f]*) config=([0-9a-z]*) posted=([0-9a-z,]*) -->/;
const FINDING_RE = /<!-- dbt-pr-reviewer:finding ([0-9a-z]+) -->/;
const SAFE_TOKEN = /^[0-9a-z]+$/;

export function summaryMarker(state: SummaryState): string {
  const posted = state.posted.filter((fp) => SAFE_TOKEN.test(fp));
  return `<!-- dbt-pr-reviewer:summary v=1 head=${state.head} config=${state.configHash} posted=${posted.join(',')} -->`;
}

export function parseSummaryMarker(body: string | null | undefined): SummaryState | undefined {
  const m = body ? SUMMARY_RE.exec(body) : null;
  if (!m) return undefined;
  return { head: m[1]!, configHash: m[2]!, posted: m[3] ? m[3].split(',').filter(Boolean) : [] };
}

export function findingMarker(fingerprint: string): string {
  return `<!-- dbt-pr-reviewer:finding ${fingerprint} -->`;
}

export function parseFindingMarker(body: string | null | undefined): string | undefined {
  const m = body ? FINDING_RE.exec(body) : null;
  return m ? m[1] : undefined;
}

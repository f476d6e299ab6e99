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
  /**
   * Fingerprints of findings on the diff that did not fit in a review (30 inline comments at most) and were listed in
   * the summary instead: a later push does not post them inline either.
   */
  listed?: string[];
}

const SUMMARY_RE = /<!-- dbt-pr-reviewer:summary v=1 head=([0-9a-f]*) config=([0-9a-z]*) posted=([0-9a-z,]*)(?: listed=([0-9a-z,]*))? -->/;
const FINDING_RE = /<!-- dbt-pr-reviewer:finding ([0-9a-z]+) -->/;
const SAFE_TOKEN = /^[0-9a-z]+$/;

export function summaryMarker(state: SummaryState): string {
  const safe = (list: readonly string[] | undefined) => (list ?? []).filter((fp) => SAFE_TOKEN.test(fp)).join(',');
  const listed = state.listed && state.listed.length > 0 ? ` listed=${safe(state.listed)}` : '';
  return `<!-- dbt-pr-reviewer:summary v=1 head=${state.head} config=${state.configHash} posted=${safe(state.posted)}${listed} -->`;
}

export function parseSummaryMarker(body: string | null | undefined): SummaryState | undefined {
  const m = body ? SUMMARY_RE.exec(body) : null;
  if (!m) return undefined;
  const list = (text: string | undefined) => (text ? text.split(',').filter(Boolean) : []);
  const state: SummaryState = { head: m[1]!, configHash: m[2]!, posted: list(m[3]) };
  if (m[4]) state.listed = list(m[4]);
  return state;
}

export function findingMarker(fingerprint: string): string {
  return `<!-- dbt-pr-reviewer:finding ${fingerprint} -->`;
}

export function parseFindingMarker(body: string | null | undefined): string | undefined {
  const m = body ? FINDING_RE.exec(body) : null;
  return m ? m[1] : undefined;
}

/**
 * `text` as markdown inline code, whatever it holds: names and paths come from the pull request, and a backtick in
 * one would end a plain code span and let the rest be read as markdown (links, HTML). The fence is one backtick
 * longer than the longest run inside, padded with spaces (CommonMark).
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  if (longest === 0) return `\`${text}\``;
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${text} ${fence}`;
}

/**
 * The review summary as GitHub-flavoured markdown: the body of the PR summary comment, the Check Run summary and
 * the CLI's `--format markdown` output. One renderer for all of them.
 */
import { codeSpan as code } from './code-span.js';
import type { DownstreamUse, Finding, ModelReport, Review, Severity } from './types.js';

export interface MarkdownOptions {
  /** Hard cap on the output length (GitHub comments: 65,536; Check Run summaries: 65,535). Default: none. */
  maxChars?: number;
  /** Hidden marker placed on the second line (e.g. `<!-- dbt-pr-reviewer -->`). */
  marker?: string;
  /** Link a path:line to the head revision, e.g. for GitHub blob URLs. */
  linkTo?: (path: string, line?: number) => string | undefined;
}

const VERDICT: Record<Review['conclusion'], string> = {
  failure: '❌ **dbt-pr-reviewer: changes requested by the rules**',
  neutral: '⚠️ **dbt-pr-reviewer: review incomplete**',
  success: '✅ **dbt-pr-reviewer: no blocking findings**',
};

const SEVERITY_TITLE: Record<Severity, string> = { error: 'Errors', warning: 'Warnings', info: 'Notes' };

export function renderSummaryMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY;
  const out: string[] = [];
  out.push(`${VERDICT[review.conclusion]} — ${verdictDetail(review)}`);
  if (options.marker) out.push(options.marker);
  out.push('');

  if (review.models.length === 0) {
    out.push('No dbt model changed in this diff.');
  } else {
    out.push(modelsTable(review.models));
  }

  const downstream = downstreamSection(review.models);
  if (downstream) out.push('', downstream);

  for (const severity of ['error', 'warning', 'info'] as const) {
    const group = review.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const body = group.map((f) => findingLine(f, options)).join('\n');
    const title = `${SEVERITY_TITLE[severity]} (${group.length})`;
    out.push('', severity === 'error' || group.length <= 8 ? `### ${title}\n${body}` : details(title, body));
  }

  const changes = changesSection(review.models);
  if (changes) out.push('', details('Semantic changes per model', changes));

  const notAnalysed = notAnalysedSection(review);
  if (notAnalysed) out.push('', notAnalysed);

  if (review.notes && review.notes.length > 0) out.push('', review.notes.map((n) => `> ${n}`).join('\n'));

  out.push('', footer(review));
  return truncate(out.join('\n'), maxChars);
}

function verdictDetail(review: Review): string {
  const count = (s: Severity) => review.findings.filter((f) => f.severity === s).length;
  const breaking = review.models.filter((m) => m.breaking).length;
  const parts = [
    `${review.models.length} model${review.models.length === 1 ? '' : 's'} changed`,
    `${breaking} breaking`,
    `${count('error')} error${count('error') === 1 ? '' : 's'}`,
    `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`,
  ];
  return parts.join(', ');
}

function modelsTable(models: readonly ModelReport[]): string {
  // Models of the same name (in two projects of a monorepo) are told apart by their file.
  const names = models.map(displayName);
  const shared = new Set(names.filter((n, i) => names.indexOf(n) !== i));
  const rows = [
    '| Model | Status | Impact | Breaking | Owner |',
    '| --- | --- | --- | --- | --- |',
    ...models.map((m, i) => {
      const name = shared.has(names[i]!) ? `${code(names[i]!)} (${code(m.path)})` : code(names[i]!);
      return `| ${cell(name)} | ${m.status} | ${impactLabel(m)} | ${m.breaking ? '**yes**' : 'no'} | ${m.owner ? cell(m.owner.value) : '_none_'} |`;
    }),
  ];
  return rows.join('\n');
}

/** A model's name, with its version for a versioned model (`dim_customers v2`). */
function displayName(m: ModelReport): string {
  return m.version !== undefined ? `${m.name} v${m.version}` : m.name;
}

function impactLabel(m: ModelReport): string {
  switch (m.impact) {
    case 'model_wide':
      return 'model-wide';
    case 'column':
      return 'columns';
    case 'additive':
      return 'additive';
    case 'none':
      return m.changes.some((c) => c.kind === 'formatting_only') ? 'none (formatting only)' : 'none';
    case 'unknown':
      return 'unknown';
  }
}

function downstreamSection(models: readonly ModelReport[]): string | undefined {
  const affected = models.filter((m) => m.breaking && m.downstream.length > 0);
  if (affected.length === 0) return undefined;
  const lines = ['### Downstream impact'];
  for (const m of affected) {
    const columns = m.changes.filter((c) => c.breaking && c.column).map((c) => c.column as string);
    const what = columns.length > 0 ? ` (${[...new Set(columns)].map(code).join(', ')})` : '';
    lines.push(`- ${code(displayName(m))}${what} is read by:`);
    for (const d of m.downstream) lines.push(`  - ${downstreamLine(d)}`);
  }
  return lines.join('\n');
}

function downstreamLine(d: DownstreamUse): string {
  const kind = d.type === 'exposure' ? 'exposure ' : d.type === 'semantic_model' ? 'semantic model ' : '';
  const owner = d.owner ? ` — owner ${d.owner}` : ' — no owner';
  const unknown = d.type === 'semantic_model' ? 'an `expr` of it could not be read to tell which columns it uses' : 'its SQL could not be parsed to tell which columns it uses';
  const uses =
    d.columnsUsed.length > 0
      ? `, uses ${d.columnsUsed.map(code).join(', ')}${d.columnsUnknown && d.type === 'semantic_model' ? ` (${unknown.replace('which columns', 'which other columns')})` : ''}`
      : d.columnsUnknown
        ? `, ${unknown}`
        : '';
  const via = d.via === undefined ? '' : d.passedThrough ? ` (through ${code(d.via)}, which selects them on)` : ` (via ephemeral ${code(d.via)})`;
  return `${kind}${code(d.version !== undefined ? `${d.name} v${d.version}` : d.name)}${via}${uses}${owner}`;
}

function findingLine(f: Finding, options: MarkdownOptions): string {
  const where = f.line ? `${f.path}:${f.line}` : f.path;
  // A line of the base revision (what a removal removed) is not a line of the head file the link would open.
  const link = f.side === 'base' ? undefined : options.linkTo?.(f.path, f.line);
  const location = (link ? `[${code(where)}](${link})` : code(where)) + (f.side === 'base' && f.line ? ' (before the change)' : '');
  const ai = f.origin === 'llm' ? ' 🤖 _AI finding_' : '';
  return `- **${f.rule}** ${location}${ai}: ${oneLine(f.message)}`;
}

function changesSection(models: readonly ModelReport[]): string | undefined {
  const lines: string[] = [];
  for (const m of models) {
    if (m.changes.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(`**${code(displayName(m))}** (${code(m.path)})`, '');
    for (const c of m.changes) {
      const col = c.column ? ` ${code(c.column)}` : '';
      // A change in another file than the model's (its property YAML, dbt_project.yml) names that file.
      const place = c.line ? (c.path === m.path ? `line ${c.line}` : code(`${c.path}:${c.line}`)) : '';
      const at = place ? ` (${place}${c.side === 'base' ? ', before the change' : ''})` : '';
      lines.push(`- ${c.kind}${col}: ${oneLine(c.detail)}${at}${c.breaking ? ' — **breaking**' : ''}`);
    }
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function notAnalysedSection(review: Review): string | undefined {
  const unknown = review.models.filter((m) => m.impact === 'unknown');
  if (unknown.length === 0 && review.skipped.length === 0) return undefined;
  // The review lists a model it could not analyse among `skipped` too: once each.
  const lines = [
    ...new Set([
      ...unknown.map((m) => `- ${code(m.path)}: ${m.unknownReason ?? 'could not be analysed'}`),
      ...review.skipped.map((s) => `- ${code(s.path)}: ${s.reason}`),
    ]),
  ];
  return details(`Not analysed (${lines.length})`, lines.join('\n'));
}

function footer(review: Review): string {
  const llm = review.llm;
  const parts: string[] = [];
  if (llm.status === 'ran') {
    const cost = llm.estimatedCostUsd !== undefined ? `, ~$${llm.estimatedCostUsd.toFixed(4)}` : '';
    parts.push(`LLM ${llm.model ?? ''}: ${llm.inputTokens} tokens in, ${llm.outputTokens} out${cost}`);
    if (llm.findingsDropped > 0) parts.push(`${llm.findingsDropped} unverifiable AI finding(s) dropped`);
  } else {
    parts.push(`LLM ${llm.status}${llm.detail ? `: ${oneLine(llm.detail)}` : ''}`);
  }
  if (llm.leftOut && llm.leftOut.length > 0) parts.push(`left out of the LLM budget: ${llm.leftOut.join(', ')}`);
  if (llm.promptVersion) parts.push(`prompt ${llm.promptVersion}`);
  if (review.dialect) parts.push(`dialect ${review.dialect.name} (${review.dialect.source})`);
  parts.push(`base \`${review.base.slice(0, 7)}\` → head \`${review.head.slice(0, 7)}\``);
  return `<sub>${parts.join(' · ')}</sub>`;
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Cuts at the last whole line that fits (never inside a finding), and says where the rest is. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = '\n\n_… summary truncated: every finding is in the Check Run annotations and in `dbt-pr-reviewer review --format json`._';
  const cut = text.lastIndexOf('\n', max - note.length);
  return text.slice(0, cut > 0 ? cut : max - note.length) + note;
}

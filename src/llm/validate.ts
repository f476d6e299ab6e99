/**
 * The LLM's answer: its schema (sent as structured output, then validated again here with valibot), and the checks
 * every finding must pass to reach the review: a path and line that were sent in the diff, and a quote of that
 * line's text. Findings that fail are dropped and counted. Pure.
 */
import * as v from 'valibot';
import type { Finding, Severity } from '../review/types.js';
import { withFingerprint } from '../review/fingerprint.js';
import type { SentLine } from './prompt.js';

export const LLM_CATEGORIES = ['breaking', 'semantics', 'data_quality', 'performance'] as const;
export type LlmCategory = (typeof LLM_CATEGORIES)[number];

/** Stable rule ids of AI findings, by category. */
export const LLM_RULES: Record<LlmCategory, string> = {
  breaking: 'llm-breaking-risk',
  semantics: 'llm-semantic-change',
  data_quality: 'llm-data-quality',
  performance: 'llm-performance',
};

/** Prefix of every AI finding's message (the review also marks origin `llm`). */
export const AI_PREFIX = 'AI review:';

const text = (min: number, max: number) => v.pipe(v.string(), v.minLength(min), v.maxLength(max));
const optionalName = v.nullable(text(0, 200));

/** One finding as the model must return it (strict structured output: every key present, nullable when optional). */
export const llmFindingSchema = v.strictObject({
  path: text(1, 500),
  line: v.pipe(v.number(), v.integer(), v.minValue(1)),
  quote: text(1, 500),
  severity: v.picklist(['warning', 'info']),
  category: v.picklist(LLM_CATEGORIES),
  model: optionalName,
  column: optionalName,
  message: text(1, 1000),
  consequence: text(1, 1000),
});

export const llmAnswerSchema = v.strictObject({ findings: v.pipe(v.array(llmFindingSchema), v.maxLength(50)) });

export type LlmFinding = v.InferOutput<typeof llmFindingSchema>;

/** Lenient envelope: the answer is an object with a `findings` array; each entry is validated on its own. */
const envelope = v.looseObject({ findings: v.array(v.unknown()) });

/** Severity the model may claim in JSON mode even though the schema forbids it: capped, not rejected. Extra keys are dropped. */
const lenientFinding = v.object({
  ...llmFindingSchema.entries,
  severity: v.picklist(['error', 'warning', 'info']),
  model: v.nullish(text(0, 200)),
  column: v.nullish(text(0, 200)),
});

export type ParseOutcome = { ok: true; findings: unknown[] } | { ok: false; reason: string };

/** Parses the raw answer text: JSON (optionally inside a ```json fence) with a `findings` array. */
export function parseAnswer(content: string | null | undefined): ParseOutcome {
  if (content === null || content === undefined || content.trim() === '') return { ok: false, reason: 'empty answer' };
  let text = content.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(text);
  if (fenced) text = fenced[1]!.trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `answer is not valid JSON (${(e as Error).message.split('\n')[0]})` };
  }
  const parsed = v.safeParse(envelope, json);
  if (!parsed.success) return { ok: false, reason: 'answer does not match the schema (no `findings` array)' };
  return { ok: true, findings: parsed.output.findings };
}

export interface ValidationContext {
  /** Lines sent in this request, by path then head line. */
  lines: ReadonlyMap<string, ReadonlyMap<number, SentLine>>;
  /** Model name by path (for findings that do not name it). */
  modelByPath: ReadonlyMap<string, string>;
}

export function indexSentLines(lines: readonly SentLine[]): Map<string, Map<number, SentLine>> {
  const out = new Map<string, Map<number, SentLine>>();
  for (const l of lines) {
    let byLine = out.get(l.path);
    if (!byLine) out.set(l.path, (byLine = new Map()));
    byLine.set(l.line, l);
  }
  return out;
}

export interface DroppedFinding {
  reason: string;
  raw: unknown;
}

export interface ValidationResult {
  findings: Finding[];
  dropped: DroppedFinding[];
}

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

function normalisePath(path: string): string {
  return path.trim().replace(/^`|`$/g, '').replace(/^\.\//, '').replace(/^[ab]\//, '');
}

/**
 * Text from the model shown in the review: one line, bounded, with @-mentions, images, links and HTML defused
 * (a prompt injection must not make the review ping people or load remote content).
 */
export function sanitiseModelText(text: string, max = 500): string {
  let t = squash(text)
    .replace(/<[^>]*>/g, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\((?:[^)]*)\)/g, '$1')
    .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, '$1@\u200b')
    .replace(/https?:\/\/\S+/gi, '(link removed)');
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t;
}

/** True when `quote` is meaningful text of `line`: a substring (whitespace-insensitive), at least 3 characters or the whole line. */
export function quoteMatches(quote: string, line: string): boolean {
  const q = squash(quote.replace(/^[`"']+|[`"']+$/g, ''));
  const l = squash(line);
  if (q === '' || l === '') return false;
  if (q.length < 3 && q !== l) return false;
  return l.includes(q) || l.toLowerCase().includes(q.toLowerCase());
}

/** Validates the parsed findings of one answer against what was sent; builds review findings. */
export function validateFindings(raw: readonly unknown[], ctx: ValidationContext): ValidationResult {
  const findings: Finding[] = [];
  const dropped: DroppedFinding[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const parsed = v.safeParse(lenientFinding, entry);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      dropped.push({ reason: `does not match the schema: ${v.getDotPath(issue) ?? ''} ${issue.message}`.trim(), raw: entry });
      continue;
    }
    const f = parsed.output;
    const path = normalisePath(f.path);
    const byLine = ctx.lines.get(path);
    if (!byLine) {
      dropped.push({ reason: `path ${path} was not in the diff sent`, raw: entry });
      continue;
    }
    const sent = byLine.get(f.line);
    if (!sent) {
      dropped.push({ reason: `line ${f.line} of ${path} was not in the diff sent`, raw: entry });
      continue;
    }
    if (!quoteMatches(f.quote, sent.text)) {
      dropped.push({ reason: `quote does not match line ${f.line} of ${path}`, raw: entry });
      continue;
    }
    const message = sanitiseModelText(f.message, 400);
    const consequence = sanitiseModelText(f.consequence, 400);
    if (consequence.length < 8) {
      dropped.push({ reason: 'no concrete consequence', raw: entry });
      continue;
    }
    const severity: Severity = f.severity === 'info' ? 'info' : 'warning';
    const model = ctx.modelByPath.get(path) ?? (f.model ? sanitiseModelText(f.model, 120) : undefined);
    const column = f.column && /^[\w$."`-]{1,120}$/.test(f.column.trim()) ? f.column.trim().replace(/^[`"]|[`"]$/g, '') : undefined;
    const finding = withFingerprint({
      rule: LLM_RULES[f.category],
      severity,
      origin: 'llm',
      model,
      column,
      path,
      line: f.line,
      message: `${AI_PREFIX} ${message.replace(/[.\s]+$/, '')}. Consequence: ${consequence}`,
    });
    if (seen.has(finding.fingerprint)) continue; // the same finding twice in one answer
    seen.add(finding.fingerprint);
    findings.push(finding);
  }
  return { findings, dropped };
}

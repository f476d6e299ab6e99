/**
 * Per-repo configuration (`.github/dbt-pr-reviewer.yml`), validated with a valibot schema. Unknown keys are errors,
 * so a typo is reported instead of silently ignored.
 */
import * as v from 'valibot';
import { RULES } from './checks/registry.js';
import { nearestRule } from './checks/waivers.js';
import { isYMap, isYSeq, parseYamlTree, toPlain, type YNode } from './dbt/yamlTree.js';
import { LLM_RULES } from './llm/validate.js';
import type { Severity } from './review/types.js';

export const DIALECTS = ['snowflake', 'bigquery', 'postgres', 'redshift', 'databricks', 'duckdb', 'trino'] as const;
export type Dialect = (typeof DIALECTS)[number];

const severity = v.picklist(['error', 'warning', 'info']);
const ruleSetting = v.picklist(['error', 'warning', 'info', 'off']);
const name = v.pipe(v.string(), v.minLength(1));
const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
/** An optional list of strings, `fallback` when absent (a fresh array each time). */
const list = (item: v.GenericSchema<string>, fallback: readonly string[]) => v.optional(v.array(item), () => [...fallback]);

// A missing section is read as `{}`, so each of its keys takes its own default.
export const configSchema = v.strictObject({
  dialect: v.optional(v.picklist(DIALECTS)),
  /** Per-rule severity override, or `off`. */
  rules: v.optional(v.record(v.string(), ruleSetting), () => ({})),
  /** Severity of `breaking-*` findings. */
  breakingSeverity: v.optional(severity, 'error'),
  ownerKey: v.optional(name, 'owner'),
  businessKey: v.optional(
    v.strictObject({
      /** meta keys that declare a business key. */
      metaKeys: list(name, ['primary_key', 'business_key']),
      /** Regex (case-insensitive) a column must match to be inferred as the key; `{entity}` is the model's entity. */
      inferPattern: v.optional(v.string(), '^{entity}_id$'),
      /** Suffixes of columns that may be inferred as a key when no column matches the entity. */
      inferSuffixes: list(v.string(), ['_id', '_key', '_sk']),
      /** Tests that prove uniqueness of one column. */
      uniqueTests: list(v.string(), ['unique', 'dbt_constraints.primary_key', 'dbt_constraints.unique_key']),
      /** Tests that prove not-null of one column. */
      notNullTests: list(v.string(), ['not_null', 'dbt_constraints.primary_key']),
      /** Tests that prove uniqueness of a combination of columns. */
      compoundUniqueTests: list(v.string(), [
        'dbt_utils.unique_combination_of_columns',
        'dbt_expectations.expect_compound_columns_to_be_unique',
        'dbt_constraints.primary_key',
        'dbt_constraints.unique_key',
      ]),
      /** Layers (first folder below the model path) where a key is required. Empty = every model. */
      layers: list(v.string(), []),
    }),
    () => ({}),
  ),
  /** Folder (first segment(s) below the model path) -> required model-name prefixes. */
  layers: v.optional(v.record(v.string(), v.array(name)), () => ({
    staging: ['stg_'],
    intermediate: ['int_'],
    marts: ['fct_', 'dim_', 'mart_', 'rpt_', 'agg_'],
  })),
  /** Glob patterns (picomatch) of paths the reviewer ignores. */
  ignore: list(v.string(), []),
  llm: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), true),
      model: v.optional(name, 'gpt-4.1-mini'),
      fallbackModels: list(name, []),
      maxInputTokens: v.optional(positiveInt, 60000),
      maxOutputTokens: v.optional(positiveInt, 4000),
      concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8)), 2),
      timeoutSeconds: v.optional(v.pipe(v.number(), v.gtValue(0), v.maxValue(600)), 60),
      /** USD per million tokens, by model name. */
      prices: v.optional(
        v.record(v.string(), v.strictObject({ input: v.pipe(v.number(), v.minValue(0)), output: v.pipe(v.number(), v.minValue(0)) })),
        () => ({}),
      ),
    }),
    () => ({}),
  ),
});

export type ReviewerConfig = v.InferOutput<typeof configSchema>;
export type RuleSetting = v.InferOutput<typeof ruleSetting>;

export function defaultConfig(): ReviewerConfig {
  return v.parse(configSchema, {});
}

export interface ConfigError {
  message: string;
  key?: string;
  line?: number;
}

export type ConfigResult = { ok: true; config: ReviewerConfig } | { ok: false; errors: ConfigError[] };

/** Validates an already-parsed config object (e.g. from Probot's `context.config`). */
export function validateConfig(input: unknown, lineOf?: (keyPath: (string | number)[]) => number | undefined): ConfigResult {
  const parsed = v.safeParse(configSchema, input ?? {});
  if (parsed.success) {
    const errors = meaningErrors(parsed.output, lineOf);
    return errors.length === 0 ? { ok: true, config: parsed.output } : { ok: false, errors };
  }
  // Every problem at once: the rule ids too, when `rules` is a mapping.
  const rules = isRecord(input) && isRecord(input.rules) ? input.rules : {};
  const errors: ConfigError[] = unknownRuleErrors(Object.keys(rules), lineOf);
  for (const issue of parsed.issues) {
    const keyPath = (issue.path ?? []).map((item) => (typeof item.key === 'number' ? item.key : String(item.key)));
    const key = keyPath.join('.');
    // A strict object reports each key it does not know at the key's own path, expecting `never` there.
    if (issue.type === 'strict_object' && issue.expected === 'never') {
      errors.push({ key, line: lineOf?.(keyPath), message: `unknown key \`${key}\`` });
      continue;
    }
    errors.push({ key: key || '(root)', line: lineOf?.(keyPath), message: `\`${key || '(root)'}\`: ${issue.message}` });
  }
  // In the file's order (errors without a line last).
  return { ok: false, errors: errors.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)) };
}

const RULE_IDS: readonly string[] = [...RULES.map((r) => r.id), ...Object.values(LLM_RULES)];

/** What the schema cannot see: a rule id that names no rule (a typo would leave that rule as it was), a bad regex. */
function meaningErrors(config: ReviewerConfig, lineOf?: (keyPath: (string | number)[]) => number | undefined): ConfigError[] {
  const errors = unknownRuleErrors(Object.keys(config.rules), lineOf);
  const pattern = config.businessKey.inferPattern;
  try {
    new RegExp(pattern.split('{entity}').join('entity'), 'i');
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    errors.push({ key: 'businessKey.inferPattern', line: lineOf?.(['businessKey', 'inferPattern']), message: `\`businessKey.inferPattern\`: not a valid regular expression (${reason})` });
  }
  return errors;
}

function unknownRuleErrors(ids: readonly string[], lineOf?: (keyPath: (string | number)[]) => number | undefined): ConfigError[] {
  return ids
    .filter((id) => !RULE_IDS.includes(id))
    .map((id) => {
      const near = nearestRule(id, RULE_IDS);
      return { key: `rules.${id}`, line: lineOf?.(['rules', id]), message: `\`rules.${id}\`: no rule is named \`${id}\`: ${near ? `did you mean \`${near}\`?` : 'the rule ids are listed in the README'}` };
    });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates config YAML text; errors carry the line of the offending key. */
export function parseConfigYaml(text: string): ConfigResult {
  const parsed = parseYamlTree(text);
  if (!parsed.ok) return { ok: false, errors: [{ message: `invalid YAML: ${parsed.message}`, line: parsed.line }] };
  // (dbt accepts a repeated key in its own files; in this one it is a mistake to fix, not a value to guess)
  if (parsed.duplicateKeys) return { ok: false, errors: parsed.duplicateKeys.map(({ key, line }) => ({ message: `invalid YAML: \`${key}\` is set twice in the same mapping`, line })) };
  const lineOf = (keyPath: (string | number)[]): number | undefined => {
    let node: YNode | null | undefined = parsed.root;
    let line: number | undefined;
    for (const part of keyPath) {
      if (isYMap(node)) {
        const entry = node.entries.get(String(part));
        if (!entry) break;
        line = entry.keyLine;
        node = entry.value;
      } else if (isYSeq(node) && typeof part === 'number') {
        node = node.items[part];
        if (node) line = node.line;
      } else break;
    }
    return line;
  };
  const value: unknown = parsed.root ? toPlain(parsed.root) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ message: 'the config file must be a mapping of keys to values', line: 1 }] };
  }
  return validateConfig(value, lineOf);
}

export function ruleSeverity(config: ReviewerConfig, rule: string, fallback: Severity): Severity | 'off' {
  return config.rules[rule] ?? fallback;
}

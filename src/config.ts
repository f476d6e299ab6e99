/**
 * Per-repo configuration (`.github/dbt-pr-reviewer.yml`), validated with zod. Unknown keys are errors, so a typo is
 * reported instead of silently ignored.
 */
import { z } from 'zod';
import { isYMap, isYSeq, parseYamlTree, toPlain, type YNode } from './dbt/yamlTree.js';
import type { Severity } from './review/types.js';

export const DIALECTS = ['snowflake', 'bigquery', 'postgres', 'redshift', 'databricks', 'duckdb', 'trino'] as const;
export type Dialect = (typeof DIALECTS)[number];

const severity = z.enum(['error', 'warning', 'info']);
const ruleSetting = z.union([severity, z.literal('off')]);

export const configSchema = z
  .object({
    dialect: z.enum(DIALECTS).optional(),
    /** Per-rule severity override, or `off`. */
    rules: z.record(z.string(), ruleSetting).default({}),
    /** Severity of `breaking-*` findings. */
    breakingSeverity: severity.default('error'),
    ownerKey: z.string().min(1).default('owner'),
    businessKey: z
      .object({
        /** meta keys that declare a business key. */
        metaKeys: z.array(z.string().min(1)).default(['primary_key', 'business_key']),
        /** Regex (case-insensitive) a column must match to be inferred as the key; `{entity}` is the model's entity. */
        inferPattern: z.string().default('^{entity}_id$'),
        /** Suffixes of columns that may be inferred as a key when no column matches the entity. */
        inferSuffixes: z.array(z.string()).default(['_id', '_key', '_sk']),
        /** Tests that prove uniqueness of one column. */
        uniqueTests: z.array(z.string()).default(['unique', 'dbt_constraints.primary_key', 'dbt_constraints.unique_key']),
        /** Tests that prove not-null of one column. */
        notNullTests: z.array(z.string()).default(['not_null', 'dbt_constraints.primary_key']),
        /** Tests that prove uniqueness of a combination of columns. */
        compoundUniqueTests: z
          .array(z.string())
          .default([
            'dbt_utils.unique_combination_of_columns',
            'dbt_expectations.expect_compound_columns_to_be_unique',
            'dbt_constraints.primary_key',
            'dbt_constraints.unique_key',
          ]),
        /** Layers (first folder below the model path) where a key is required. Empty = every model. */
        layers: z.array(z.string()).default([]),
      })
      .strict()
      .default({
        metaKeys: ['primary_key', 'business_key'],
        inferPattern: '^{entity}_id$',
        inferSuffixes: ['_id', '_key', '_sk'],
        uniqueTests: ['unique', 'dbt_constraints.primary_key', 'dbt_constraints.unique_key'],
        notNullTests: ['not_null', 'dbt_constraints.primary_key'],
        compoundUniqueTests: [
          'dbt_utils.unique_combination_of_columns',
          'dbt_expectations.expect_compound_columns_to_be_unique',
          'dbt_constraints.primary_key',
          'dbt_constraints.unique_key',
        ],
        layers: [],
      }),
    /** Folder (first segment(s) below the model path) -> required model-name prefixes. */
    layers: z
      .record(z.string(), z.array(z.string().min(1)))
      .default({ staging: ['stg_'], intermediate: ['int_'], marts: ['fct_', 'dim_', 'mart_', 'rpt_', 'agg_'] }),
    /** Glob patterns (picomatch) of paths the reviewer ignores. */
    ignore: z.array(z.string()).default([]),
    llm: z
      .object({
        enabled: z.boolean().default(true),
        model: z.string().min(1).default('gpt-4.1-mini'),
        fallbackModels: z.array(z.string().min(1)).default([]),
        maxInputTokens: z.number().int().positive().default(60000),
        maxOutputTokens: z.number().int().positive().default(4000),
        concurrency: z.number().int().min(1).max(8).default(2),
        timeoutSeconds: z.number().positive().max(600).default(60),
        /** USD per million tokens, by model name. */
        prices: z.record(z.string(), z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict()).default({}),
      })
      .strict()
      .default({
        enabled: true,
        model: 'gpt-4.1-mini',
        fallbackModels: [],
        maxInputTokens: 60000,
        maxOutputTokens: 4000,
        concurrency: 2,
        timeoutSeconds: 60,
        prices: {},
      }),
  })
  .strict();

export type ReviewerConfig = z.infer<typeof configSchema>;
export type RuleSetting = z.infer<typeof ruleSetting>;

export function defaultConfig(): ReviewerConfig {
  return configSchema.parse({});
}

export interface ConfigError {
  message: string;
  key?: string;
  line?: number;
}

export type ConfigResult = { ok: true; config: ReviewerConfig } | { ok: false; errors: ConfigError[] };

/** Validates an already-parsed config object (e.g. from Probot's `context.config`). */
export function validateConfig(input: unknown, lineOf?: (keyPath: (string | number)[]) => number | undefined): ConfigResult {
  const parsed = configSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const errors: ConfigError[] = [];
  for (const issue of parsed.error.issues) {
    let keyPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const full = [...keyPath, key];
        errors.push({ key: full.join('.'), line: lineOf?.(full), message: `unknown key \`${full.join('.')}\`` });
      }
      continue;
    }
    const key = keyPath.join('.') || '(root)';
    errors.push({ key, line: lineOf?.(keyPath), message: `\`${key}\`: ${message}` });
  }
  return { ok: false, errors };
}

/** Parses and validates config YAML text; errors carry the line of the offending key. */
export function parseConfigYaml(text: string): ConfigResult {
  const parsed = parseYamlTree(text);
  if (!parsed.ok) return { ok: false, errors: [{ message: `invalid YAML: ${parsed.message}`, line: parsed.line }] };
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

/**
 * Secret redaction: everything the LLM stage sends goes through here first. Pure.
 *
 * Redacts API keys (OpenAI `sk-`, GitHub, Slack, Google, Stripe, Anthropic), AWS access key ids and secret keys,
 * private-key blocks (PEM, possibly spread over diff lines), JWTs, bearer tokens, credentials in URLs, and the
 * values of password/secret/token keys in YAML, SQL, JSON and env-style assignments. Values computed by Jinja
 * (`{{ env_var('X') }}`) are references, not secrets, and are kept.
 */

export interface RedactionResult {
  text: string;
  /** Number of secrets replaced. */
  count: number;
  /** Kinds replaced (for the report), e.g. `openai-key`, `private-key`. */
  kinds: string[];
}

const mark = (kind: string): string => `[REDACTED:${kind}]`;

interface TokenPattern {
  kind: string;
  re: RegExp;
}

/** Stand-alone secrets recognisable by their shape. */
const TOKEN_PATTERNS: TokenPattern[] = [
  { kind: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{16,}/g },
  { kind: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{16,}/g },
  { kind: 'stripe-key', re: /\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g },
  { kind: 'slack-token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: 'aws-access-key-id', re: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'bearer-token', re: /\b(Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]{16,})/g },
];

/** Keys whose values are secrets. Matched case-insensitively as a whole word or a suffix (`db_password`). */
const SECRET_KEY =
  '(?:[A-Za-z0-9_.-]*?(?:password|passwd|pwd|passphrase|secret|secret[_-]?key|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|auth[_-]?token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|aws[_-]?secret[_-]?access[_-]?key|aws[_-]?secret[_-]?key|aws[_-]?key[_-]?id|credentials?|connection[_-]?string|dsn))';

/**
 * `key: value`, `key = 'value'`, `"key": "value"`, `KEY=value`, `key => 'value'`. The value is a quoted string or a
 * bare token; Jinja expressions are handled by the caller.
 */
const ASSIGNMENT = new RegExp(
  `(["']?\\b${SECRET_KEY}["']?\\s*(?::|=>|=)\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s,;)#\\]}]+)`,
  'gi',
);

/** SQL forms: `IDENTIFIED BY 'x'`, `PASSWORD 'x'`, `WITH PASSWORD = 'x'`. */
const SQL_PASSWORD = /\b(identified\s+by|password)(\s*=?\s*)('[^'\n]*'|"[^"\n]*")/gi;

/** `scheme://user:password@host`. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:)([^\s@/]+)(@)/gi;

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----/;
const PEM_END = /-----END ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----/;

function isReference(value: string): boolean {
  const v = value.replace(/^["']|["']$/g, '').trim();
  if (v === '') return true;
  // Jinja (`{{ env_var('DBT_PASSWORD') }}`), shell/env references (`${DB_PASSWORD}`, `$DB_PASSWORD`), placeholders.
  if (/^\{\{.*\}\}$/.test(v) || /^\{\{/.test(v) || /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v)) return true;
  if (/^(?:null|none|~|true|false|<[^>]*>|\*+|x+|\.\.\.|changeme|redacted|\[REDACTED:[a-z-]+\])$/i.test(v)) return true;
  if (/^\[REDACTED:/.test(v)) return true;
  // A YAML block scalar indicator: the value follows on the next lines (redacted there if it is key material).
  if (/^[|>][+-]?\d*$/.test(v)) return true;
  return false;
}

/** Redacts secrets on one line of text (no line breaks expected, but harmless). */
/** A line that is only base64 (a PEM body line seen without its BEGIN line, a raw key). */
const KEY_MATERIAL_LINE = /^(\s*["']?)([A-Za-z0-9+/]{48,}={0,2})(["']?\s*)$/;

function redactInline(line: string, kinds: string[]): string {
  const material = KEY_MATERIAL_LINE.exec(line);
  if (material && /[0-9]/.test(material[2]!) && /[A-Z]/.test(material[2]!) && /[a-z]/.test(material[2]!)) {
    kinds.push('key-material');
    return `${material[1]}${mark('key-material')}${material[3]}`;
  }
  let out = line;
  for (const { kind, re } of TOKEN_PATTERNS) {
    out = out.replace(re, (...m: unknown[]) => {
      kinds.push(kind);
      if (kind === 'bearer-token') return `${String(m[1])} ${mark(kind)}`;
      return mark(kind);
    });
  }
  out = out.replace(URL_CREDENTIALS, (_all, pre: string, secret: string, at: string) => {
    if (isReference(secret)) return `${pre}${secret}${at}`;
    kinds.push('url-password');
    return `${pre}${mark('url-password')}${at}`;
  });
  out = out.replace(ASSIGNMENT, (all, pre: string, value: string) => {
    if (isReference(value)) return all;
    // `token: {{ env_var(...) }}` starts with `{{` and is cut by the value pattern at a space: keep references.
    if (value.startsWith('{{') || value.startsWith('"{{') || value.startsWith("'{{")) return all;
    kinds.push('credential');
    const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
    return `${pre}${quote}${mark('credential')}${quote}`;
  });
  out = out.replace(SQL_PASSWORD, (all, kw: string, sep: string, value: string) => {
    if (isReference(value)) return all;
    kinds.push('sql-password');
    const quote = value[0]!;
    return `${kw}${sep}${quote}${mark('sql-password')}${quote}`;
  });
  return out;
}

/**
 * Redacts a sequence of lines (e.g. one file's diff lines). A private-key block spanning several lines is removed
 * whole, even when its lines are interleaved with diff markers.
 */
export function redactLines(lines: readonly string[]): { lines: string[]; count: number; kinds: string[] } {
  const kinds: string[] = [];
  const out: string[] = [];
  let inKey = false;
  for (const line of lines) {
    if (inKey) {
      if (PEM_END.test(line)) {
        inKey = false;
        out.push(line.replace(/^(.*?)-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*$/, `$1${mark('private-key')}`));
      } else {
        out.push(mark('private-key'));
      }
      continue;
    }
    const begin = PEM_BEGIN.exec(line);
    if (begin) {
      kinds.push('private-key');
      const prefix = line.slice(0, begin.index);
      if (PEM_END.test(line.slice(begin.index + begin[0].length))) {
        // The whole block on one line (e.g. a YAML string with `\n` escapes).
        out.push(prefix + mark('private-key'));
      } else {
        inKey = true;
        out.push(prefix + mark('private-key'));
      }
      continue;
    }
    out.push(redactInline(line, kinds));
  }
  return { lines: out, count: kinds.length, kinds: [...new Set(kinds)] };
}

/** Redacts free text (PR title/body, messages). */
export function redactText(text: string): RedactionResult {
  const r = redactLines(text.split('\n'));
  return { text: r.lines.join('\n'), count: r.count, kinds: r.kinds };
}

/**
 * GitHub's published OpenAPI description (`@octokit/openapi`), used by the fake to check that every request the
 * app makes is a real route of the REST API and that its JSON body matches the route's request schema.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

export interface MatchedRoute {
  /** Path template, e.g. `/repos/{owner}/{repo}/check-runs`. */
  template: string;
  params: Record<string, string>;
  operationId: string;
  validateBody?: (body: unknown) => string[];
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  names: string[];
  operations: Record<string, Operation>;
}

let loaded: { paths: CompiledPath[]; ajv: Ajv; validators: Map<string, ValidateFunction | null> } | undefined;

function load() {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(doc, 'github');
  const paths: CompiledPath[] = Object.entries(doc.paths).map(([template, operations]) => {
    const names: string[] = [];
    const escape = (literal: string) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const pattern = template
      .split('/')
      .map((segment) => {
        // A segment may hold several parameters (`{base}...{head}`) between literal text.
        const parts = segment.split(/(\{[^}]+\})/).filter((part) => part !== '');
        const several = parts.length > 1;
        return parts
          .map((part) => {
            const m = /^\{(.+)\}$/.exec(part);
            if (!m) return escape(part);
            names.push(m[1]!);
            // `{path}` of the contents API spans several segments.
            if (m[1] === 'path') return '(.+)';
            return several ? '([^/]+?)' : '([^/]+)';
          })
          .join('');
      })
      .join('/');
    return { template, regex: new RegExp(`^${pattern}$`), names, operations };
  });
  // Literal segments win over parameters (e.g. `/issues/comments/{id}` over `/issues/{number}/comments`).
  const literal = (t: string) => t.replace(/\{[^}]+\}/g, '').length;
  paths.sort((a, b) => a.names.length - b.names.length || literal(b.template) - literal(a.template));
  loaded = { paths, ajv, validators: new Map() };
  return loaded;
}

function pointer(template: string, method: string): string {
  const escape = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
  return `github#/paths/${escape(template)}/${method}/requestBody/content/${escape('application/json')}/schema`;
}

/** The route of `method path` in GitHub's REST API, or undefined when GitHub has no such route. */
export function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const { paths, ajv, validators } = load();
  const m = method.toLowerCase();
  for (const p of paths) {
    const match = p.regex.exec(path);
    if (!match) continue;
    const operation = p.operations[m];
    if (!operation) continue;
    const params: Record<string, string> = {};
    p.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
    const route: MatchedRoute = { template: p.template, params, operationId: operation.operationId ?? `${m} ${p.template}` };
    if (operation.requestBody?.content?.['application/json']?.schema) {
      const key = `${m} ${p.template}`;
      if (!validators.has(key)) validators.set(key, ajv.compile({ $ref: pointer(p.template, m) }));
      const validate = validators.get(key);
      if (validate) {
        route.validateBody = (body) => {
          if (validate(body)) return [];
          return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
        };
      }
    }
    return route;
  }
  return undefined;
}

/**
 * One minijinja-js environment configured like dbt for the prod target, rendering one model at a time. Runs inside
 * a worker thread (see worker.ts): if the WASM engine traps, `poisoned` tells the host to discard this worker.
 */
import { createHash } from 'node:crypto';
import { Environment, initSync } from 'minijinja-js/dist/web/minijinja_js.js';
import type { Dialect } from '../../config.js';
import type { RenderInput, RenderResult } from '../../ports.js';
import { createDbtFunctions, sessionValues, type RenderSession } from './dbt-context.js';
import { rewriteDbtIdioms, type DispatchResolver } from './dbt-rewrites.js';
import { describeEngineError, parseEngineError } from './engine-errors.js';
import { formatPythonPercent } from './filters.js';
import { buildMacroModule, definedMacroNames, extractMacroBlocks, type MacroBlock, type MacroModule } from './macro-library.js';
import { CROSS_DATABASE_MACROS } from './sql-helpers.js';
import type { CompiledWasm } from './wasm-memory.js';

export interface EngineOptions {
  fuel: number;
  maxOutputBytes: number;
  /** The WASM memory cap, for messages. */
  memoryMb: number;
}

export interface EngineOutcome {
  result: RenderResult;
  /** The WASM instance trapped: it must not be used again. */
  poisoned: boolean;
}

const MODEL_TEMPLATE = 'model.sql';

/** Adapter prefixes tried by `adapter.dispatch`, most specific first (dbt's adapter inheritance). */
const ADAPTER_PREFIXES: Record<Dialect, string[]> = {
  snowflake: ['snowflake'],
  bigquery: ['bigquery'],
  postgres: ['postgres'],
  redshift: ['redshift', 'postgres'],
  databricks: ['databricks', 'spark'],
  duckdb: ['duckdb'],
  trino: ['trino'],
};

function dispatchResolver(dialect: Dialect, defined: ReadonlySet<string>): DispatchResolver {
  return (name, namespace) => {
    for (const prefix of [...ADAPTER_PREFIXES[dialect], 'default']) {
      const candidate = `${prefix}__${name}`;
      if (defined.has(candidate)) return candidate;
    }
    if ((namespace === undefined || namespace === 'dbt') && Object.hasOwn(CROSS_DATABASE_MACROS, name)) return `dbt.${name}`;
    return undefined;
  };
}

function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb} MB` : `${mb.toFixed(1)} MB`;
}

const POISON = /unreachable|recursive use of an object|memory access out of bounds|out of memory|RuntimeError/i;

interface LoadedMacros {
  key: string;
  templateName: string;
  module: MacroModule;
  /** Macro names of files that failed to parse, with the reason. */
  broken: Map<string, string>;
}

export class JinjaEngine {
  private readonly env: Environment;
  private session: RenderSession | undefined;
  private macros: LoadedMacros | undefined;
  private macroGeneration = 0;
  private readonly functions: Record<string, unknown>;

  constructor(
    wasm: CompiledWasm,
    private readonly options: EngineOptions,
  ) {
    initSync({ module: wasm });
    this.env = new Environment();
    this.env.debug = false;
    this.env.enablePyCompat();
    this.env.keepTrailingNewline = true;
    this.env.undefinedBehavior = 'lenient';
    this.env.fuel = options.fuel;
    this.functions = createDbtFunctions(() => this.session);
    for (const [name, value] of Object.entries(this.functions)) this.env.addGlobal(name, value);
    this.env.addFilter('format', (value: unknown, ...args: unknown[]) => {
      try {
        return formatPythonPercent(value, args);
      } catch {
        return typeof value === 'string' ? value : null;
      }
    });
    for (const name of ['as_bool', 'as_number', 'as_text', 'as_native']) this.env.addFilter(name, (value: unknown) => value ?? null);
  }

  render(input: RenderInput): EngineOutcome {
    const dialect: Dialect = input.dialect ?? 'snowflake';
    const session: RenderSession = { input, dialect, refs: [], sources: [], configs: [] };
    let macros: LoadedMacros;
    try {
      macros = this.loadMacros(input.macros, dialect);
    } catch (error) {
      return this.failure(error, session, undefined, input);
    }
    const ownMacros = definedMacroNames(input.template);
    const defined = new Set([...macros.module.names, ...ownMacros]);
    const body = rewriteDbtIdioms(input.template, dispatchResolver(dialect, defined));
    const imports = macros.module.names.filter((n) => /^[A-Za-z_]\w*$/.test(n));
    // The import shares the model's first line, so every line of the model keeps its number.
    const header = imports.length > 0 ? `{% from '${macros.templateName}' import ${imports.join(', ')} %}` : '';
    try {
      for (const [name, value] of Object.entries(sessionValues(session))) this.env.addGlobal(name, value);
      this.session = session;
      const sql = this.env.renderNamedStr(MODEL_TEMPLATE, header + body, {});
      const bytes = Buffer.byteLength(sql, 'utf8');
      if (bytes > this.options.maxOutputBytes) {
        return { result: { ok: false, reason: `output larger than ${formatMegabytes(this.options.maxOutputBytes)}` }, poisoned: false };
      }
      return {
        result: { ok: true, sql, configs: session.configs, refs: session.refs, sources: session.sources },
        poisoned: false,
      };
    } catch (error) {
      return this.failure(error, session, macros, input);
    } finally {
      this.session = undefined;
    }
  }

  private failure(error: unknown, session: RenderSession, macros: LoadedMacros | undefined, input: RenderInput): EngineOutcome {
    const message = error instanceof Error ? error.message : String(error);
    const name = error instanceof Error ? error.name : '';
    if (name === 'RuntimeError' || POISON.test(message)) {
      return {
        result: {
          ok: false,
          reason: `the template engine stopped: the template needs more memory than the sandbox allows (${this.options.memoryMb} MB) or crashed it`,
        },
        poisoned: true,
      };
    }
    const parsed = parseEngineError(message);
    let where: string | undefined;
    let sourceLine: string | undefined;
    if (parsed.place?.template === MODEL_TEMPLATE) {
      where = `line ${parsed.place.line}`;
      sourceLine = input.template.split('\n')[parsed.place.line - 1];
    } else if (parsed.place && macros && parsed.place.template === macros.templateName) {
      const located = macros.module.locate(parsed.place.line);
      if (located) {
        where = `${located.path}:${located.line}`;
        sourceLine = macros.module.source.split('\n')[parsed.place.line - 1];
      }
    }
    if (session.abort) return { result: { ok: false, reason: where ? `${session.abort} (${where})` : session.abort }, poisoned: false };
    let reason = describeEngineError(parsed, {
      ...(where ? { where } : {}),
      ...(sourceLine !== undefined ? { sourceLine } : {}),
      isKnownCall: (call) => this.isKnownCall(call),
      isKnownName: (name) =>
        Object.hasOwn(this.functions, name) ||
        (macros?.module.names.includes(name) ?? false) ||
        definedMacroNames(input.template).includes(name),
    });
    const undefinedMacro = /^undefined macro `([^`]+)`/.exec(reason)?.[1];
    const brokenReason = undefinedMacro ? macros?.broken.get(undefinedMacro) : undefined;
    if (brokenReason) reason += ` (its definition could not be parsed: ${brokenReason})`;
    return { result: { ok: false, reason }, poisoned: false };
  }

  /** Whether `namespace.member` is a function the sandbox provides (e.g. `dbt_utils.star`). */
  private isKnownCall(call: string): boolean {
    const [namespace = '', member = ''] = call.split('.');
    const ns = Object.hasOwn(this.functions, namespace) ? this.functions[namespace] : undefined;
    return typeof ns === 'object' && ns !== null && Object.hasOwn(ns, member);
  }

  /** Compiles the project's macros into one module (cached while the macro files and dialect stay the same). */
  private loadMacros(files: RenderInput['macros'], dialect: Dialect): LoadedMacros {
    const hash = createHash('sha256').update(dialect);
    for (const file of files) hash.update('\0').update(file.path).update('\0').update(file.source);
    const key = hash.digest('hex');
    if (this.macros?.key === key) return this.macros;

    const perFile = files.map((file) => ({ path: file.path, blocks: extractMacroBlocks(file.path, file.source) }));
    const names = new Set(perFile.flatMap((f) => f.blocks.map((b) => b.name)));
    const resolve = dispatchResolver(dialect, names);
    const accepted: MacroBlock[] = [];
    const broken = new Map<string, string>();
    for (const file of perFile) {
      const blocks = file.blocks.map((b) => ({ ...b, text: rewriteDbtIdioms(b.text, resolve) }));
      if (blocks.length === 0) continue;
      try {
        this.env.addTemplate('__macro_check__.sql', blocks.map((b) => b.text).join('\n'));
        accepted.push(...blocks);
      } catch (error) {
        const parsed = parseEngineError(error instanceof Error ? error.message : String(error));
        const detail = `${file.path}: ${parsed.detail || parsed.kind}`;
        for (const b of blocks) broken.set(b.name, detail);
      } finally {
        this.env.removeTemplate('__macro_check__.sql');
      }
    }
    if (this.macros) this.env.removeTemplate(this.macros.templateName);
    this.macroGeneration += 1;
    const module = buildMacroModule(accepted);
    const templateName = `__macros_${this.macroGeneration}__.sql`;
    this.env.addTemplate(templateName, module.source);
    for (const name of module.names) broken.delete(name);
    this.macros = { key, templateName, module, broken };
    return this.macros;
  }
}

/**
 * Source rewrites for dbt idioms that a sandboxed engine cannot express as values: `adapter.dispatch(...)` returns a
 * macro (a Jinja macro cannot return a macro), `config.get(...)` is a method on a function, and `this.<attr>` is an
 * attribute of a relation (our `this` is a plain string). Rewrites only touch code inside Jinja tags and keep lines.
 */
import { literalValue, replaceKeepingLines, rewriteTags } from './template-scan.js';

export interface DispatchResolver {
  /** The callable name `adapter.dispatch(name, namespace)` resolves to, or undefined when nothing matches. */
  (name: string, namespace: string | undefined): string | undefined;
}

const STR = String.raw`\0\d+\0`;
const DISPATCH = new RegExp(
  String.raw`(?<![\w.])adapter\s*\.\s*dispatch\s*\(\s*(${STR})\s*(?:,\s*(?:macro_namespace\s*=\s*)?(${STR}|none|None)\s*)?\)`,
);
const CONFIG_METHOD = /(?<![\w.])config\s*\.\s*(get|require|set)\s*\(/;
const THIS_ATTRIBUTE = /(?<![\w.])this\s*\.\s*(name|identifier|table|schema|database)\b(\s*\(\s*\))?/;

/** Name of the global that stands for a dispatch nobody implements (renders a placeholder). */
export const UNRESOLVED_DISPATCH = '__dbt_dispatch_unresolved';

export function rewriteDbtIdioms(source: string, resolveDispatch: DispatchResolver): string {
  return rewriteTags(source, (code, literals) => {
    let out = code;
    if (out.includes('dispatch')) {
      out = replaceKeepingLines(out, DISPATCH, (m) => {
        const name = literalValue(m[1] ?? '', literals);
        const namespace = m[2] ? literalValue(m[2], literals) : undefined;
        if (name === undefined || !/^[A-Za-z_]\w*$/.test(name)) return m[0];
        return resolveDispatch(name, namespace) ?? `${UNRESOLVED_DISPATCH}(${m[1] ?? "''"})`;
      });
    }
    if (out.includes('config')) {
      out = replaceKeepingLines(out, CONFIG_METHOD, (m) => `__dbt_config_${m[1] === 'set' ? 'set' : m[1] === 'require' ? 'require' : 'get'}(`);
    }
    if (out.includes('this')) {
      out = replaceKeepingLines(out, THIS_ATTRIBUTE, (m) =>
        m[1] === 'schema' ? 'target.schema' : m[1] === 'database' ? 'target.database' : 'model.name',
      );
    }
    return out;
  });
}

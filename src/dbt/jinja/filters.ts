/**
 * Jinja filters dbt projects use that minijinja lacks. Called by the engine; must never throw.
 */

function display(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value) || value instanceof Map) return JSON.stringify(value instanceof Map ? Object.fromEntries(value) : value);
  return String(value);
}

/** Python's `'%s and %d' % (a, b)` as the `format` filter: `'%s-%s'|format(a, b)`. Unknown specifiers stay as written. */
export function formatPythonPercent(template: unknown, args: readonly unknown[]): string {
  const text = typeof template === 'string' ? template : display(template);
  const values = args.length === 1 && args[0] instanceof Map ? [] : [...args];
  const named = args.length === 1 && args[0] instanceof Map ? args[0] : undefined;
  let next = 0;
  return text.replace(/%(?:\((\w+)\))?([-+ 0#]*\d*(?:\.\d+)?)([sdifr%])/g, (whole, key: string | undefined, flags: string, type: string) => {
    if (type === '%') return '%';
    const value = key !== undefined ? named?.get(key) : values[next++];
    if (value === undefined && key === undefined && next > values.length) return whole;
    let text: string;
    if (type === 'd' || type === 'i') text = String(Math.trunc(Number(value)));
    else if (type === 'f') {
      const precision = /\.(\d+)/.exec(flags)?.[1];
      text = Number(value).toFixed(Math.min(20, precision === undefined ? 6 : Number(precision)));
    } else if (type === 'r') text = typeof value === 'string' ? `'${value}'` : display(value);
    else text = display(value);
    const width = Math.min(1000, Number(/^[-+ 0#]*(\d+)/.exec(flags)?.[1] ?? 0));
    if (text.length >= width) return text;
    if (flags.includes('-')) return text.padEnd(width);
    return flags.includes('0') && type !== 's' && type !== 'r' ? text.padStart(width, '0') : text.padStart(width);
  });
}

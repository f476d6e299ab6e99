/** `1 model`, `2 models` (or the given plural form: `2 queries`). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

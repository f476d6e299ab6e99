/**
 * Placeholders the renderer emits for values it cannot know (`var` without value or default, `env_var` without
 * default, `adapter.dispatch` of a macro nobody defines): `__var_x__`, `__env_X__`, `__macro_m__`. A config value
 * containing one is "present but unknown". Pure: the checks read rendered SQL with it.
 */
export const PLACEHOLDER_PATTERN = /__(?:var|env|macro)_[A-Za-z0-9_]*__/;

export function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return PLACEHOLDER_PATTERN.test(value);
  if (Array.isArray(value)) return value.some(containsPlaceholder);
  if (value && typeof value === 'object') return Object.values(value).some(containsPlaceholder);
  return false;
}

/** Values grouped in a map of lists, in the order they come. */

/** Adds `value` to the list of `key`. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** `items` by `keyOf`, each list in the order of `items`. */
export function groupBy<K, V>(items: Iterable<V>, keyOf: (item: V) => K): Map<K, V[]> {
  const map = new Map<K, V[]>();
  for (const item of items) pushTo(map, keyOf(item), item);
  return map;
}

/**
 * Sets `key` in a map kept to at most `max` entries: the key moves to the end of the map's
 * order, and when the map is full its oldest entry is dropped. For caches whose keys come
 * from callers (a token's `tid`), which must not grow without bound.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}

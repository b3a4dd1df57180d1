/**
 * rememberNewest sets `key` to `value` as the newest entry of `map` (Maps iterate oldest insertion
 * first) and forgets the oldest once there are more than `max`, so a storm of random MACs or
 * addresses cannot grow a per-client table without bound.
 */
export function rememberNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

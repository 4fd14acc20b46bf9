// Internal: reading a property of a value we did not make. A thrown value or
// a request can be a Proxy (revoked, or with a throwing getter): reading must
// never throw out of the chokepoint's error path.

/** `value[key]`, or `undefined` when `value` is not an object or the read throws. */
export function readProperty(value: unknown, key: string): unknown {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return (
      a.length === other.length && a.every((v, i) => jsonEqual(v, other[i]))
    );
  }
  // JSON drops undefined members, so they must not make objects differ.
  const defined = (o: object) =>
    Object.entries(o).filter(([, v]) => v !== undefined);
  const entriesA = defined(a);
  const recordB = b as Record<string, unknown>;
  return (
    entriesA.length === defined(b).length &&
    entriesA.every(([k, v]) => jsonEqual(v, recordB[k]))
  );
}

/** Bigint columns come back as strings from pg and numbers from SQLite. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** Freezes a JSON value and everything in it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

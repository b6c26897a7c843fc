export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch (RFC 7386) to `target` without changing it:
 * objects merge key by key, `null` removes a key, anything else (arrays
 * included) replaces the value.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) {
    return patch;
  }
  const result: Record<string, unknown> = {};
  if (isPlainObject(target)) {
    for (const [key, value] of Object.entries(target)) {
      define(result, key, value);
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      const current = Object.prototype.hasOwnProperty.call(result, key)
        ? result[key]
        : undefined;
      define(result, key, applyMergePatch(current, value));
    }
  }
  return result;
}

/** Own-property assignment that cannot reach the prototype (`__proto__`). */
function define(object: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/*
 * Paths inside a state store. They are POSIX and relative on every platform
 * and every backend (a Git tree, a bucket key, a directory), so they are
 * checked as strings, never through the host's `path` module.
 */

const invalid = (path: string, why: string) =>
  new Error(`Invalid state store path ${JSON.stringify(path)}: ${why}`);

/**
 * Checks that `path` names a file below a store root and returns it
 * normalised (`.` segments dropped). Throws when it is empty, absolute, uses
 * `\`, has empty segments (`a//b`, `a/`) or `..`: such a path could reach
 * outside the store, or name the same file two ways and defeat the
 * unchanged-content and conflict checks.
 */
export function validateRelativePath(path: string): string {
  if (typeof path !== 'string' || path === '') {
    throw invalid(String(path), 'must not be empty');
  }
  if (path.includes('\0')) {
    throw invalid(path, 'must not contain NUL characters');
  }
  // Windows would read it as a separator, anything else as part of a name.
  if (path.includes('\\')) {
    throw invalid(path, 'must use "/" as the separator');
  }
  if (path.startsWith('/')) {
    throw invalid(path, 'must be relative');
  }
  const segments = path.split('/');
  if (segments.some(s => s === '')) {
    throw invalid(path, 'must not contain empty segments');
  }
  if (segments.some(s => s === '..')) {
    throw invalid(path, 'must not contain ".."');
  }
  const kept = segments.filter(s => s !== '.');
  if (kept.length === 0) {
    throw invalid(path, 'must name a file, not the root');
  }
  return kept.join('/');
}

/**
 * A directory below the store root, normalised; `''` is the root itself.
 * More lenient than a file path because Kratix's own directory settings
 * (a Destination's `spec.path`) are commonly written `.`, `./x` or `x/`.
 */
export function normaliseDirectory(dir: string | undefined): string {
  const trimmed = (dir ?? '').replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') {
    return '';
  }
  return validateRelativePath(trimmed);
}

/** One path segment taken from an object field (a name, a namespace, ...). */
export function validateSegment(value: string, what: string): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value === '.' ||
    value === '..' ||
    /[/\\\0]/.test(value)
  ) {
    throw new Error(
      `Invalid ${what} ${JSON.stringify(value)}: must be a single path segment`,
    );
  }
  return value;
}

/** Joins already-validated parts, skipping empty ones (the root, no pipeline). */
export function joinPath(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join('/');
}

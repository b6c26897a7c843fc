/*
 * Containment checks on the host filesystem. A store's paths are validated
 * as strings first (see paths.ts); these catch what strings cannot: a
 * symbolic link inside the root that leads out of it.
 */
import { promises as fs, Stats } from 'fs';
import { isAbsolute, join, relative, sep } from 'path';

export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return (
    rel === '' ||
    (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`))
  );
}

/** The host path of a validated relative POSIX path. */
export function toHostPath(root: string, relPath: string): string {
  return relPath === '' ? root : join(root, ...relPath.split('/'));
}

export function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function lstatOrUndefined(
  hostPath: string,
): Promise<Stats | undefined> {
  try {
    return await fs.lstat(hostPath);
  } catch (error) {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  }
}

export class PathEscapeError extends Error {
  name = 'PathEscapeError';
}

/**
 * Follows a symbolic link found at `hostPath` and returns the stats of what
 * it points to, provided that stays below `root` (a real path). A dangling
 * link is refused too: creating through it would land wherever it points.
 */
export async function followLinkInside(
  root: string,
  hostPath: string,
  describe: string,
): Promise<Stats> {
  let real: string;
  try {
    real = await fs.realpath(hostPath);
  } catch (error) {
    if (isNotFound(error)) {
      throw new PathEscapeError(`${describe} is a dangling symbolic link`);
    }
    throw error;
  }
  if (!isInside(root, real)) {
    throw new PathEscapeError(
      `${describe} is a symbolic link that leads out of the root directory`,
    );
  }
  return fs.stat(real);
}

/**
 * Walks the directories above `relPath` (not the last segment). Returns false
 * as soon as one is missing, so nothing below it exists yet. An existing one
 * that is not a directory throws, or returns false when `lenient` (a path
 * under a file cannot exist, which is what a read or a removal wants to know).
 */
export async function checkParents(
  root: string,
  relPath: string,
  lenient: boolean,
): Promise<boolean> {
  return (
    (await existingParents(root, relPath, lenient)) === parentCount(relPath)
  );
}

/** The number of directories above a relative path. */
export function parentCount(relPath: string): number {
  return relPath.split('/').length - 1;
}

/**
 * How many of the directories above `relPath` exist, from the top, checked
 * as `checkParents` does; a lenient walk counts none past a file.
 */
export async function existingParents(
  root: string,
  relPath: string,
  lenient: boolean,
): Promise<number> {
  const segments = relPath.split('/');
  let current = root;
  for (let i = 0; i < segments.length - 1; i++) {
    current = join(current, segments[i]);
    const prefix = segments.slice(0, i + 1).join('/');
    let stats = await lstatOrUndefined(current);
    if (!stats) {
      return i;
    }
    if (stats.isSymbolicLink()) {
      stats = await followLinkInside(root, current, `"${prefix}"`);
    }
    if (!stats.isDirectory()) {
      if (lenient) {
        return -1;
      }
      throw new Error(
        `Cannot write "${relPath}": "${prefix}" is a file, not a directory`,
      );
    }
  }
  return parentCount(relPath);
}

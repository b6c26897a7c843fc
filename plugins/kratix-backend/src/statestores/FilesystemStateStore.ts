import { Config } from '@backstage/config';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import {
  StateStoreWriter,
  StateStoreWriterFactory,
} from '@kratix-backstage/plugin-kratix-node';
import { mkdirSync, promises as fs } from 'fs';
import { isAbsolute, posix, resolve, win32 } from 'path';
import { FilesystemStateStoreWriter } from './FilesystemStateStoreWriter';
import {
  isInside,
  lstatOrUndefined,
  PathEscapeError,
  toHostPath,
} from './hostPaths';

export { validateRelativePath } from './paths';

export const FILESYSTEM_STATE_STORE_KIND = 'FilesystemStateStore';
export const ROOT_DIR_CONFIG_KEY = 'kratix.filesystemStateStore.rootDir';

/**
 * The embedded default state store: each `FilesystemStateStore` object is a
 * directory `spec.path` below one root directory chosen by the operator. The
 * root is the trust boundary: objects come from API users, the root from
 * app-config, so no object may reach outside it.
 */
export class FilesystemStateStoreWriterFactory
  implements StateStoreWriterFactory
{
  readonly kind = FILESYSTEM_STATE_STORE_KIND;
  private readonly rootDir: string;

  /** Creates the root directory now, so a bad setting fails at startup. */
  static fromConfig(config: Config): FilesystemStateStoreWriterFactory {
    const rootDir = resolve(
      process.cwd(),
      config.getString(ROOT_DIR_CONFIG_KEY),
    );
    mkdirSync(rootDir, { recursive: true });
    return new FilesystemStateStoreWriterFactory({ rootDir });
  }

  constructor(options: { rootDir: string }) {
    this.rootDir = resolve(options.rootDir);
  }

  async create(stateStore: KubeObject): Promise<StateStoreWriter> {
    const name = stateStore.metadata?.name ?? '';
    const fail = (why: string) =>
      new Error(`${FILESYSTEM_STATE_STORE_KIND} "${name}": ${why}`);
    if (stateStore.kind !== FILESYSTEM_STATE_STORE_KIND) {
      throw fail(`cannot serve a state store of kind "${stateStore.kind}"`);
    }
    const relPath = storePath(stateStore.spec?.path, fail);

    await fs.mkdir(this.rootDir, { recursive: true });
    const root = await fs.realpath(this.rootDir);
    const escapes = () =>
      fail(`spec.path "${stateStore.spec?.path}" escapes the root directory`);

    // Checked before mkdir too, or mkdir would already have created
    // directories wherever a link points.
    let existing: string;
    try {
      existing = await deepestExisting(root, relPath);
    } catch (error) {
      if (error instanceof PathEscapeError) {
        throw fail(`spec.path "${stateStore.spec?.path}": ${error.message}`);
      }
      throw error;
    }
    if (!isInside(root, await fs.realpath(existing))) {
      throw escapes();
    }
    const hostPath = toHostPath(root, relPath);
    try {
      await fs.mkdir(hostPath, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw fail(`spec.path "${stateStore.spec?.path}" is not a directory`);
      }
      throw error;
    }
    const storeRoot = await fs.realpath(hostPath);
    if (!isInside(root, storeRoot)) {
      throw escapes();
    }
    if (!(await fs.stat(storeRoot)).isDirectory()) {
      throw fail(`spec.path "${stateStore.spec?.path}" is not a directory`);
    }
    // Stores may nest (`a` and `a/b`): one lock for the whole root.
    return new FilesystemStateStoreWriter(storeRoot, root);
  }
}

/**
 * `spec.path` normalised, `''` for the root itself (the default, as for
 * Kratix's bucket and Git stores). Unlike a file path it may contain `..`
 * as long as the result stays below the root, since Kratix cleans its paths.
 */
function storePath(value: unknown, fail: (why: string) => Error): string {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  if (typeof value !== 'string') {
    throw fail('spec.path must be a string');
  }
  if (isAbsolute(value) || posix.isAbsolute(value) || win32.isAbsolute(value)) {
    throw fail(
      `spec.path "${value}" is absolute; it must be relative to the root directory`,
    );
  }
  if (value.includes('\\') || value.includes('\0')) {
    throw fail(`spec.path "${value}" must be a POSIX path ("/" separators)`);
  }
  const normalised = posix.normalize(value).replace(/\/+$/, '');
  if (normalised === '..' || normalised.startsWith('../')) {
    throw fail(`spec.path "${value}" escapes the root directory`);
  }
  return normalised === '.' ? '' : normalised;
}

/** The host path of the longest existing prefix of `relPath` (at least root). */
async function deepestExisting(root: string, relPath: string): Promise<string> {
  const segments = relPath === '' ? [] : relPath.split('/');
  for (let n = segments.length; n > 0; n--) {
    const hostPath = toHostPath(root, segments.slice(0, n).join('/'));
    const stats = await lstatOrUndefined(hostPath);
    if (stats) {
      try {
        await fs.realpath(hostPath);
      } catch {
        // A dangling link: mkdir would create its target, wherever that is.
        throw new PathEscapeError(
          `"${segments.slice(0, n).join('/')}" is a dangling symbolic link`,
        );
      }
      return hostPath;
    }
  }
  return root;
}

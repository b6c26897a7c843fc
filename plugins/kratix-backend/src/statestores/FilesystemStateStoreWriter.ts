import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import { dirname, join } from 'path';
import {
  checkParents,
  existingParents,
  followLinkInside,
  isNotFound,
  lstatOrUndefined,
  parentCount,
  toHostPath,
} from './hostPaths';
import { Change, checkChange } from './change';
import { joinPath, normaliseDirectory, validateRelativePath } from './paths';

/*
 * Staged files and backups live next to their target (so the final rename
 * stays on one filesystem and is atomic). They carry this prefix so list()
 * can hide them while an update is in flight, and so what a killed writer
 * leaves behind is recognisable and swept by the next update there.
 */
const TEMP_PREFIX = '.kratix-tmp-';

interface PlannedChange {
  writes: { path: string; content: Buffer }[];
  removes: string[];
}

/** How many directories above a path exist (see existingParents). */
type ParentWalk = (path: string, lenient: boolean) => Promise<number>;

/** A file about to be replaced, with what is needed to put it back. */
interface PendingWrite {
  path: string;
  hostPath: string;
  content: Buffer;
  previous?:
    | { kind: 'file'; content: Buffer; mode: number }
    | { kind: 'link'; target: string };
  staged?: string;
}

// One queue per store root: the engine reconciles placements concurrently,
// and two interleaved updates would each see the other half-applied.
const queues = new Map<string, Promise<void>>();

function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.then(fn);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  tail.then(() => {
    if (queues.get(key) === tail) {
      queues.delete(key);
    }
  });
  return result;
}

function tempPathBeside(hostPath: string): string {
  return join(
    dirname(hostPath),
    `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`,
  );
}

async function writeNewFile(hostPath: string, content: Buffer, mode?: number) {
  const handle = await fs.open(hostPath, 'wx');
  try {
    await handle.writeFile(content);
    if (mode !== undefined) {
      await handle.chmod(mode);
    }
    // Without it a crash after the rename can leave an empty file behind.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function ignoreErrors(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch {
    // Best effort: used while cleaning up after an earlier error.
  }
}

/** The change checked (see checkChange), with this store's reserved names refused. */
function planChange(change: Change): PlannedChange {
  const { writes, removes } = checkChange(change);
  for (const path of [...writes.map(w => w.path), ...removes]) {
    if (path.split('/').some(s => s.startsWith(TEMP_PREFIX))) {
      throw new Error(`"${path}": names starting ${TEMP_PREFIX} are reserved`);
    }
  }
  return {
    writes: writes.map(w => ({
      path: w.path,
      content: Buffer.from(w.content, 'utf8'),
    })),
    removes,
  };
}

/** A state store kept as plain files below one directory. */
export class FilesystemStateStoreWriter implements StateStoreWriter {
  /**
   * @param root - real path (symbolic links resolved) of the store's directory
   * @param lockKey - stores sharing files must share it
   */
  constructor(
    private readonly root: string,
    private readonly lockKey: string = root,
  ) {}

  async update(change: Change): Promise<void> {
    const plan = planChange(change);
    await serialised(this.lockKey, () => this.apply(plan));
  }

  async read(path: string): Promise<string | undefined> {
    const relPath = validateRelativePath(path);
    return serialised(this.lockKey, async () => {
      if (!(await checkParents(this.root, relPath, true))) {
        return undefined;
      }
      const hostPath = toHostPath(this.root, relPath);
      let stats = await lstatOrUndefined(hostPath);
      if (stats?.isSymbolicLink()) {
        stats = await followLinkInside(this.root, hostPath, `"${relPath}"`);
      }
      if (!stats) {
        return undefined;
      }
      if (!stats.isFile()) {
        throw new Error(`Cannot read "${relPath}": not a file`);
      }
      return fs.readFile(hostPath, 'utf8');
    });
  }

  async list(dir: string): Promise<string[]> {
    const relDir = normaliseDirectory(dir);
    return serialised(this.lockKey, async () => {
      if (relDir !== '') {
        if (!(await checkParents(this.root, relDir, true))) {
          return [];
        }
        const hostPath = toHostPath(this.root, relDir);
        let stats = await lstatOrUndefined(hostPath);
        if (stats?.isSymbolicLink()) {
          stats = await followLinkInside(this.root, hostPath, `"${relDir}"`);
        }
        if (!stats?.isDirectory()) {
          return [];
        }
      }
      const files: string[] = [];
      await this.walk(relDir, files);
      return files.sort();
    });
  }

  // Links below the listed directory are not followed: a listing must not
  // report files that live outside the store.
  private async walk(relDir: string, into: string[]): Promise<void> {
    const entries = await fs.readdir(toHostPath(this.root, relDir), {
      withFileTypes: true,
    });
    for (const entry of entries) {
      const relPath = joinPath(relDir, entry.name);
      if (entry.isDirectory()) {
        await this.walk(relPath, into);
      } else if (entry.isFile() && !entry.name.startsWith(TEMP_PREFIX)) {
        into.push(relPath);
      }
    }
  }

  private async apply(plan: PlannedChange): Promise<void> {
    // Each directory's parents are walked once per change: every step is a
    // trip to the thread pool, and between trips the event loop serves
    // whatever else the engine is doing.
    const walks = new Map<string, Promise<number>>();
    const parents: ParentWalk = (path, lenient) => {
      const dir = dirname(path);
      let walk = walks.get(dir);
      if (!walk) {
        walk = existingParents(this.root, path, lenient);
        walks.set(dir, walk);
      }
      return walk;
    };
    // Writes walk first, strictly (a file in a write's way throws), so a
    // later lenient walk of the same directory can reuse their answer.
    const writes = await this.pendingWrites(plan, parents);
    const removes = await this.pendingRemoves(plan, parents);
    await this.sweepLeftovers(plan, parents);
    if (writes.length === 0 && removes.length === 0) {
      // A retried removal still prunes what the cut-short one left empty.
      for (const path of plan.removes) {
        await this.pruneEmptyParents(path);
      }
      return;
    }

    const createdDirs: string[] = [];
    const undo: (() => Promise<unknown>)[] = [];
    const backups: string[] = [];
    try {
      for (const write of writes) {
        await this.createParents(
          write.path,
          await parents(write.path, false),
          createdDirs,
        );
        write.staged = tempPathBeside(write.hostPath);
        await writeNewFile(
          write.staged,
          write.content,
          write.previous?.kind === 'file' ? write.previous.mode : undefined,
        );
      }
      // Removed files are renamed aside rather than unlinked, so a failure
      // later in the change can still bring them back.
      for (const path of removes) {
        const hostPath = toHostPath(this.root, path);
        const backup = tempPathBeside(hostPath);
        await fs.rename(hostPath, backup);
        backups.push(backup);
        undo.push(() => fs.rename(backup, hostPath));
      }
      for (const write of writes) {
        await fs.rename(write.staged!, write.hostPath);
        write.staged = undefined;
        undo.push(() => this.restore(write));
      }
    } catch (error) {
      for (const step of undo.reverse()) {
        await ignoreErrors(step);
      }
      for (const write of writes) {
        if (write.staged) {
          await ignoreErrors(() => fs.rm(write.staged!, { force: true }));
        }
      }
      for (const dir of createdDirs.reverse()) {
        await ignoreErrors(() => fs.rmdir(dir));
      }
      throw error;
    }

    for (const backup of backups) {
      await ignoreErrors(() => fs.unlink(backup));
    }
    for (const path of removes) {
      await this.pruneEmptyParents(path);
    }
  }

  /** Checks every write before anything is touched; drops unchanged ones. */
  private async pendingWrites(
    plan: PlannedChange,
    parents: ParentWalk,
  ): Promise<PendingWrite[]> {
    const pending: PendingWrite[] = [];
    for (const { path, content } of plan.writes) {
      const hostPath = toHostPath(this.root, path);
      if ((await parents(path, false)) < parentCount(path)) {
        pending.push({ path, hostPath, content });
        continue;
      }
      const stats = await lstatOrUndefined(hostPath);
      if (!stats) {
        pending.push({ path, hostPath, content });
      } else if (stats.isSymbolicLink()) {
        // The rename replaces the link itself; nothing is written through it.
        const target = await fs.readlink(hostPath);
        pending.push({
          path,
          hostPath,
          content,
          previous: { kind: 'link', target },
        });
      } else if (stats.isFile()) {
        const current = await fs.readFile(hostPath);
        if (!current.equals(content)) {
          pending.push({
            path,
            hostPath,
            content,
            previous: {
              kind: 'file',
              content: current,
              mode: stats.mode & 0o7777,
            },
          });
        }
      } else {
        throw new Error(`Cannot write "${path}": it is not a file`);
      }
    }
    return pending;
  }

  /** Removing what is already gone is a no-op: deletions get retried. */
  private async pendingRemoves(
    plan: PlannedChange,
    parents: ParentWalk,
  ): Promise<string[]> {
    const pending: string[] = [];
    for (const path of plan.removes) {
      if ((await parents(path, true)) < parentCount(path)) {
        continue;
      }
      const stats = await lstatOrUndefined(toHostPath(this.root, path));
      if (!stats) {
        continue;
      }
      if (stats.isDirectory()) {
        throw new Error(
          `Cannot remove "${path}": it is a directory; list its files and remove those`,
        );
      }
      pending.push(path);
    }
    return pending;
  }

  /**
   * Removes the staged files and backups a killed writer left in the
   * directories this change touches. Nothing live can own them: updates to
   * one store are serialised here, and the engine's destination lock
   * serialises them across replicas. A retry touches the same directories as
   * the change that was cut short, so that is where the leftovers are.
   */
  private async sweepLeftovers(plan: PlannedChange, parents: ParentWalk) {
    // A directory, with one path in it to check its parents by.
    const dirs = new Map<string, string>();
    for (const path of [...plan.writes.map(w => w.path), ...plan.removes]) {
      dirs.set(path.split('/').slice(0, -1).join('/'), path);
    }
    for (const [dir, path] of dirs) {
      if ((await parents(path, true)) < parentCount(path)) {
        continue;
      }
      let names: string[];
      try {
        names = await fs.readdir(toHostPath(this.root, dir));
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      for (const name of names.filter(n => n.startsWith(TEMP_PREFIX))) {
        await fs.rm(join(toHostPath(this.root, dir), name), { force: true });
      }
    }
  }

  /** The directories above `path` from the first of them missing. */
  private async createParents(
    path: string,
    existing: number,
    created: string[],
  ) {
    const segments = path.split('/').slice(0, -1);
    let current = toHostPath(this.root, segments.slice(0, existing).join('/'));
    for (const segment of segments.slice(existing)) {
      current = join(current, segment);
      try {
        await fs.mkdir(current);
        created.push(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
      }
    }
  }

  private async restore(write: PendingWrite) {
    const { previous, hostPath } = write;
    if (!previous) {
      await fs.unlink(hostPath);
    } else if (previous.kind === 'link') {
      const temp = tempPathBeside(hostPath);
      await fs.symlink(previous.target, temp);
      await fs.rename(temp, hostPath);
    } else {
      const temp = tempPathBeside(hostPath);
      await writeNewFile(temp, previous.content, previous.mode);
      await fs.rename(temp, hostPath);
    }
  }

  /** Up to, never including, the store root: the store itself stays. */
  private async pruneEmptyParents(path: string) {
    let dir = path.split('/').slice(0, -1);
    while (dir.length > 0) {
      try {
        await fs.rmdir(toHostPath(this.root, dir.join('/')));
      } catch {
        return; // not empty (or already gone): the directories above are kept too
      }
      dir = dir.slice(0, -1);
    }
  }
}

import {
  GitAuthEnv,
  GitCommandError,
  runGit,
  StateStoreWriter,
} from '@kratix-backstage/plugin-kratix-node';
import { promises as fs } from 'fs';
import { dirname } from 'path';
import { Change, checkChange } from './change';
import { lstatOrUndefined, toHostPath } from './hostPaths';
import { joinPath, normaliseDirectory, validateRelativePath } from './paths';

/** A push rejected because the branch moved on: fetch, re-apply, push again. */
const MAX_PUSH_ATTEMPTS = 8;

const isRejectedPush = (e: unknown) =>
  e instanceof GitCommandError &&
  /\[rejected\]|updates were rejected|non-fast-forward|fetch first|cannot lock ref/i.test(
    e.stderr,
  );

const isMissingRemoteBranch = (e: unknown) =>
  e instanceof GitCommandError && /couldn't find remote ref/i.test(e.stderr);

// One queue per working copy: two writers must never share one at once.
const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.catch(() => undefined).then(fn);
  queues.set(key, result);
  result
    .finally(() => {
      if (queues.get(key) === result) queues.delete(key);
    })
    .catch(() => undefined);
  return result;
}

export interface GitStateStoreWriterOptions {
  url: string;
  branch: string;
  /** The store's `spec.path` inside the repository. */
  path?: string;
  author: { name: string; email: string };
  auth: GitAuthEnv;
  /** The working copy: a directory this writer alone uses. */
  workDir: string;
  /**
   * The remote is fetched before an update at most this often (Kratix does
   * the same); a push rejected because it moved on fetches at once.
   */
  minimumFetchIntervalMs?: number;
}

/**
 * A state store in a Git branch, with Kratix's Git writer's behaviour: one
 * commit per change carrying its message, none when nothing changed, a
 * shallow working copy kept between changes. A push rejected because
 * another writer got there first is retried on top of the new tip, the
 * change applied again from scratch so it never conflicts.
 */
export class GitStateStoreWriter implements StateStoreWriter {
  private readonly prefix: string;
  private initialised = false;
  private remoteHasBranch = false;
  private lastFetch = 0;
  /** The working copy may hold a half-applied change or an unpushed commit. */
  private stale = true;

  constructor(private readonly options: GitStateStoreWriterOptions) {
    this.prefix = normaliseDirectory(options.path);
  }

  private git(args: string[]) {
    return runGit(this.options.workDir, args, this.options.auth);
  }

  async update(change: Change): Promise<void> {
    const { writes, removes } = checkChange(change);
    if (writes.length === 0 && removes.length === 0) return;
    await serialised(this.options.workDir, async () => {
      let forceFetch = false;
      for (let attempt = 1; ; attempt++) {
        await this.sync(forceFetch);
        this.stale = true;
        await this.apply(writes, removes);
        if (!(await this.commit(change.message))) {
          this.stale = false;
          return;
        }
        try {
          await this.git([
            'push',
            '--quiet',
            'origin',
            `HEAD:refs/heads/${this.options.branch}`,
          ]);
          this.remoteHasBranch = true;
          this.stale = false;
          return;
        } catch (e) {
          if (!isRejectedPush(e) || attempt >= MAX_PUSH_ATTEMPTS) throw e;
          forceFetch = true;
        }
      }
    });
  }

  async read(path: string): Promise<string | undefined> {
    const rel = this.repoPath(validateRelativePath(path));
    return serialised(this.options.workDir, async () => {
      await this.sync(false);
      const stats = await this.checkedStats(rel);
      if (!stats) return undefined;
      if (!stats.isFile()) {
        throw new Error(`"${path}" is not a file`);
      }
      return fs.readFile(toHostPath(this.options.workDir, rel), 'utf8');
    });
  }

  async list(dir: string): Promise<string[]> {
    const rel = joinPath(this.prefix, normaliseDirectory(dir));
    return serialised(this.options.workDir, async () => {
      await this.sync(false);
      const out = await this.git(['ls-files', '-z', '--', rel || '.']);
      const strip = this.prefix ? this.prefix.length + 1 : 0;
      return out
        .split('\0')
        .filter(Boolean)
        .map(p => p.slice(strip))
        .sort();
    });
  }

  private repoPath(path: string) {
    return joinPath(this.prefix, path);
  }

  /**
   * Brings the working copy to the remote branch's tip, dropping anything
   * an interrupted update left (changed files, an unpushed commit).
   */
  private async sync(fetchNow: boolean) {
    const { branch } = this.options;
    let forceFetch = fetchNow;
    if (!this.initialised) {
      await fs.rm(this.options.workDir, { recursive: true, force: true });
      await fs.mkdir(this.options.workDir, { recursive: true, mode: 0o700 });
      await this.git(['init', '--quiet', '-b', branch]);
      await this.git(['remote', 'add', 'origin', this.options.url]);
      this.initialised = true;
      forceFetch = true;
    }
    const interval = this.options.minimumFetchIntervalMs ?? 0;
    if (forceFetch || Date.now() - this.lastFetch >= interval) {
      try {
        await this.git([
          'fetch',
          '--quiet',
          '--depth=1',
          '--no-tags',
          'origin',
          `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
        ]);
        this.remoteHasBranch = true;
      } catch (e) {
        // An empty repository: the first change creates the branch.
        if (!isMissingRemoteBranch(e)) {
          this.stale = true;
          throw e;
        }
        this.remoteHasBranch = false;
      }
      this.lastFetch = Date.now();
    } else if (!this.stale) {
      return;
    }
    if (this.remoteHasBranch) {
      await this.git(['reset', '--quiet', '--hard', `origin/${branch}`]);
    } else {
      await this.git(['update-ref', '-d', `refs/heads/${branch}`]).catch(
        () => undefined,
      );
      await this.git(['read-tree', '--empty']);
    }
    await this.git(['clean', '-ffdxq']);
    this.stale = false;
  }

  private async apply(
    writes: { path: string; content: string }[],
    removes: string[],
  ) {
    const root = this.options.workDir;
    for (const w of writes) {
      const rel = this.repoPath(w.path);
      const stats = await this.checkedStats(rel);
      const host = toHostPath(root, rel);
      if (stats?.isDirectory()) {
        throw new Error(
          `"${w.path}" is a directory in the repository, not a file`,
        );
      }
      if (stats?.isSymbolicLink()) await fs.rm(host);
      await fs.mkdir(dirname(host), { recursive: true });
      await fs.writeFile(host, w.content, 'utf8');
    }
    for (const path of removes) {
      const rel = this.repoPath(path);
      const stats = await this.checkedStats(rel);
      if (!stats) continue;
      if (stats.isDirectory()) {
        throw new Error(`cannot remove "${path}": it is a directory`);
      }
      await fs.rm(toHostPath(root, rel));
    }
    await this.git(['add', '--all', '--', this.prefix || '.']);
  }

  /**
   * The entry at `rel` in the working copy (undefined when absent), after
   * checking that no directory on the way is a symbolic link: the
   * repository's content is not ours and must not lead writes elsewhere.
   */
  private async checkedStats(rel: string) {
    const segments = rel.split('/');
    let current = this.options.workDir;
    for (let i = 0; i < segments.length; i++) {
      current = `${current}/${segments[i]}`;
      const stats = await lstatOrUndefined(current);
      if (!stats) return undefined;
      const last = i === segments.length - 1;
      if (!last && stats.isSymbolicLink()) {
        throw new Error(
          `"${segments
            .slice(0, i + 1)
            .join(
              '/',
            )}" is a symbolic link in the repository; refusing to write through it`,
        );
      }
      if (!last && !stats.isDirectory()) {
        throw new Error(
          `"${segments.slice(0, i + 1).join('/')}" is a file, not a directory`,
        );
      }
      if (last) return stats;
    }
    return undefined;
  }

  /** Commits what is staged; false when nothing changed. */
  private async commit(message: string): Promise<boolean> {
    try {
      await this.git(['diff', '--cached', '--quiet']);
      return false;
    } catch (e) {
      if (!(e instanceof GitCommandError) || e.code !== 1) throw e;
    }
    const { name, email } = this.options.author;
    await this.git([
      '-c',
      `user.name=${name}`,
      '-c',
      `user.email=${email}`,
      'commit',
      '--quiet',
      '--no-verify',
      '-m',
      message,
      `--author=${name} <${email}>`,
    ]);
    return true;
  }
}

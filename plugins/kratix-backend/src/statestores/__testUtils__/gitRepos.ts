import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });

/** Writes `files` into a work tree and commits them all as `author`. */
function commitFiles(
  work: string,
  files: Record<string, string>,
  author: string,
  message: string,
) {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  git(work, 'add', '--all');
  git(
    work,
    '-c',
    `user.name=${author}`,
    '-c',
    `user.email=${author}@example.org`,
    'commit',
    '--quiet',
    '-m',
    message,
  );
}

/** Bare repositories on local disk, served by the test Git servers. */
export class BareRepos {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-git-repos-'));

  /** A bare repository, empty or with one commit holding `files` on `branch`. */
  create(
    name: string,
    options: { branch?: string; files?: Record<string, string> } = {},
  ): string {
    const dir = path.join(this.root, `${name}.git`);
    git(
      this.root,
      'init',
      '--quiet',
      '--bare',
      '-b',
      options.branch ?? 'main',
      dir,
    );
    git(dir, 'config', 'http.receivepack', 'true');
    if (options.files) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-git-seed-'));
      git(work, 'init', '--quiet', '-b', options.branch ?? 'main');
      commitFiles(work, options.files, 'seed', 'seed');
      git(
        work,
        'push',
        '--quiet',
        dir,
        `HEAD:refs/heads/${options.branch ?? 'main'}`,
      );
      fs.rmSync(work, { recursive: true, force: true });
    }
    return dir;
  }

  /** Every file on `branch` with its content, read from the bare repository itself. */
  files(name: string, branch = 'main'): Record<string, string> {
    const dir = path.join(this.root, `${name}.git`);
    const listed = git(dir, 'ls-tree', '-r', '-z', '--name-only', branch)
      .split('\0')
      .filter(Boolean);
    return Object.fromEntries(
      listed.map(f => [f, git(dir, 'show', `${branch}:${f}`)]),
    );
  }

  /** Commit subjects (newest first) and authors on `branch`. */
  log(name: string, branch = 'main'): { subject: string; author: string }[] {
    const dir = path.join(this.root, `${name}.git`);
    return git(dir, 'log', '--format=%s%x00%an <%ae>', branch)
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [subject, author] = line.split('\0');
        return { subject, author };
      });
  }

  /** A commit made by someone else, straight into the bare repository. */
  commitElsewhere(
    name: string,
    file: string,
    content: string,
    branch = 'main',
  ) {
    const dir = path.join(this.root, `${name}.git`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-git-other-'));
    git(work, 'clone', '--quiet', '--branch', branch, dir, '.');
    commitFiles(work, { [file]: content }, 'other', `other: ${file}`);
    git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    fs.rmSync(work, { recursive: true, force: true });
  }

  remove() {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

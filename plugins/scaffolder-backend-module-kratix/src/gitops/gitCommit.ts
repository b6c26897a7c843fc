import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  GitAuthEnv,
  GitCommandError,
  runGit,
} from '@kratix-backstage/plugin-kratix-node';

/** A repository the request action may commit to, as configured. */
export interface GitopsRepository {
  name: string;
  url: string;
  branch: string;
  /** Directory inside the repository for request manifests. */
  path: string;
  username?: string;
  password?: string;
  author: { name: string; email: string };
}

/** Basic auth as a header: it stays out of argv, .git/config and messages. */
function authOf(repo: GitopsRepository): GitAuthEnv {
  if (repo.password === undefined) return { env: {} };
  const token = Buffer.from(`${repo.username ?? ''}:${repo.password}`).toString(
    'base64',
  );
  return {
    env: {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}`,
    },
  };
}

/** Git's error without the password, in plain words when the server refused the credentials. */
function describe(repo: GitopsRepository, e: unknown): Error {
  if (!(e instanceof GitCommandError)) return e as Error;
  let text = e.stderr.trim();
  if (repo.password) text = text.split(repo.password).join('***');
  if (/could not read (Username|Password)|Authentication failed/i.test(text)) {
    text = `the server refused the credentials configured for ${repo.url} (${text})`;
  }
  return new GitCommandError(e.args, e.code, text);
}

function git(cwd: string, repo: GitopsRepository, args: string[]) {
  return runGit(cwd, args, authOf(repo)).catch(e => {
    throw describe(repo, e);
  });
}

const rejectedPush = (e: unknown) =>
  e instanceof GitCommandError &&
  /\[rejected\]|non-fast-forward|fetch first|cannot lock ref/i.test(e.stderr);
const missingBranch = (e: unknown) =>
  e instanceof GitCommandError && /couldn't find remote ref/i.test(e.stderr);

export interface CommitResult {
  /** The commit holding the file (the existing tip when the file was already so). */
  commit: string;
  /** False when the branch already held the same content. */
  changed: boolean;
}

/**
 * Commits one file to the repository's branch and pushes it: one commit,
 * none when the file is already there as given. A push refused because
 * someone pushed first is applied again on the new tip.
 */
export async function commitFile(options: {
  repo: GitopsRepository;
  workDir: string;
  file: string;
  content: string;
  message: string;
  /** False: a file already there with other content is an error, not replaced. */
  overwrite: boolean;
}): Promise<CommitResult> {
  const { repo, workDir, file, content, message } = options;
  const run = (args: string[]) => git(workDir, repo, args);
  await fs.mkdir(workDir, { recursive: true });
  await run(['init', '--quiet', '-b', repo.branch]);
  await run(['remote', 'add', 'origin', repo.url]);
  for (let attempt = 1; ; attempt++) {
    let hasBranch = true;
    try {
      await run([
        'fetch',
        '--quiet',
        '--depth=1',
        '--no-tags',
        'origin',
        `+refs/heads/${repo.branch}:refs/remotes/origin/${repo.branch}`,
      ]);
    } catch (e) {
      if (!missingBranch(e)) throw e;
      hasBranch = false; // an empty repository: this commit creates the branch
    }
    if (hasBranch) {
      await run(['reset', '--quiet', '--hard', `origin/${repo.branch}`]);
    }
    const host = path.join(workDir, file);
    const existing = await fs.readFile(host, 'utf8').catch(() => undefined);
    if (existing !== undefined && existing !== content && !options.overwrite) {
      throw new Error(
        `${file} is already in the repository (branch ${repo.branch}) with other content: change it there`,
      );
    }
    await fs.mkdir(path.dirname(host), { recursive: true });
    await fs.writeFile(host, content);
    await run(['add', '--', file]);
    if (hasBranch && (await run(['status', '--porcelain'])).trim() === '') {
      return {
        commit: (await run(['rev-parse', 'HEAD'])).trim(),
        changed: false,
      };
    }
    await run([
      '-c',
      `user.name=${repo.author.name}`,
      '-c',
      `user.email=${repo.author.email}`,
      'commit',
      '--quiet',
      '-m',
      message,
    ]);
    try {
      await run([
        'push',
        '--quiet',
        'origin',
        `HEAD:refs/heads/${repo.branch}`,
      ]);
      return {
        commit: (await run(['rev-parse', 'HEAD'])).trim(),
        changed: true,
      };
    } catch (e) {
      if (!rejectedPush(e) || attempt >= 5) throw e;
    }
  }
}

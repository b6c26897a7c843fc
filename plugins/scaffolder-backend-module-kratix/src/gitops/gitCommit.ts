import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

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

class GitError extends Error {
  constructor(readonly args: string[], readonly stderr: string) {
    super(`git ${args[0]} failed: ${stderr.trim()}`);
  }
}

/**
 * Nothing from the host's or user's git configuration, no prompts, only
 * network transports (a configured URL must not reach the backend's own
 * disk), credentials in a header rather than argv or .git/config.
 */
function gitEnv(repo: GitopsRepository): Record<string, string> {
  const config: [string, string][] = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.http.allow', 'always'],
    ['protocol.ssh.allow', 'always'],
    ['commit.gpgsign', 'false'],
    ['core.hooksPath', '/dev/null'],
  ];
  if (repo.password !== undefined) {
    const token = Buffer.from(
      `${repo.username ?? ''}:${repo.password}`,
    ).toString('base64');
    config.push(['http.extraHeader', `Authorization: Basic ${token}`]);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

function git(cwd: string, repo: GitopsRepository, args: string[]) {
  return new Promise<string>((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, env: gitEnv(repo), timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (!error) resolve(stdout);
        else {
          const secret = repo.password;
          let text = String(stderr || error.message);
          if (secret) text = text.split(secret).join('***');
          // Git's words for a refused basic auth are about prompts; say what happened.
          if (
            /could not read (Username|Password)|Authentication failed/i.test(
              text,
            )
          ) {
            text = `the server refused the credentials configured for ${
              repo.url
            } (${text.trim()})`;
          }
          reject(new GitError(args, text));
        }
      },
    );
  });
}

const rejectedPush = (e: unknown) =>
  e instanceof GitError &&
  /\[rejected\]|non-fast-forward|fetch first|cannot lock ref/i.test(e.stderr);
const missingBranch = (e: unknown) =>
  e instanceof GitError && /couldn't find remote ref/i.test(e.stderr);

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

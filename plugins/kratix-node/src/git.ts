import { execFile } from 'child_process';

/*
 * Debian's git, run as a child process, isolated from the host: shared by
 * the Git state store and the scaffolder module's GitOps mode.
 */

/** How git reaches the remote: extra environment (credentials stay out of argv and .git/config). */
export interface GitAuthEnv {
  env: Record<string, string>;
  /** Removes whatever the auth wrote to disk (an SSH key). */
  dispose?(): Promise<void>;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | string | undefined,
    readonly stderr: string,
  ) {
    super(`git ${args[0]} failed: ${stderr.trim() || `exit code ${code}`}`);
  }
}

/**
 * Config for every git command: nothing from the host's or user's git
 * configuration, no prompts, and only network transports, so a state
 * store's URL can neither read the backend's own disk nor run commands
 * (`file://`, `ext::`).
 */
function isolatedEnv(extra: Record<string, string>): Record<string, string> {
  const config: [string, string][] = [
    ['protocol.allow', 'never'],
    ['protocol.https.allow', 'always'],
    ['protocol.http.allow', 'always'],
    ['protocol.ssh.allow', 'always'],
    ['commit.gpgsign', 'false'],
    ['core.hooksPath', '/dev/null'],
  ];
  const count = Number(extra.GIT_CONFIG_COUNT ?? 0);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: 'C',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...extra,
  };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${count + i}`] = key;
    env[`GIT_CONFIG_VALUE_${count + i}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(count + config.length);
  return env;
}

/** Runs git in `cwd`; resolves with stdout, rejects with a GitCommandError carrying stderr. */
export function runGit(
  cwd: string,
  args: string[],
  auth: GitAuthEnv,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        env: isolatedEnv(auth.env),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new GitCommandError(
              args,
              (error as any).code ?? (error as any).signal,
              stderr || error.message,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

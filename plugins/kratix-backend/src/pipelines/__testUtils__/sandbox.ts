import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BWRAP_PATH = '/usr/bin/bwrap';

/** True when bubblewrap exists and can create its namespaces here. */
function bwrapWorks(): boolean {
  try {
    execFileSync(
      BWRAP_PATH,
      [
        '--unshare-all',
        '--cap-drop',
        'ALL',
        '--ro-bind',
        '/',
        '/',
        '--',
        '/usr/bin/true',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return true;
  } catch {
    return false;
  }
}

const BWRAP_MISSING = `these tests need bubblewrap (${BWRAP_PATH}) able to create namespaces; install the bubblewrap package to run them`;

/**
 * `describe` for suites that run real sandboxes; skipped with a warning
 * where bubblewrap cannot run, except with CI=true, where a skip would pass
 * a run that never ran a sandbox: there the suite fails, saying why.
 */
export const describeWithBwrap: jest.Describe = bwrapWorks()
  ? describe
  : Object.assign((name: string, fn: () => void) => {
      if (process.env.CI === 'true') {
        throw new Error(`CI=true: "${name}": ${BWRAP_MISSING}`);
      }
      // eslint-disable-next-line no-console
      console.warn(`Skipping "${name}": ${BWRAP_MISSING}.`);
      // eslint-disable-next-line jest/no-disabled-tests, jest/valid-title, jest/valid-describe-callback
      describe.skip(name, fn);
    }, describe);

/** A temporary directory removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes an executable bash script standing for an image's entry point. */
export function writeScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/bash\nset -eu\n${body}\n`, { mode: 0o755 });
  return file;
}

/** PIDs of live processes whose command line contains `marker`. */
export function processesMatching(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .filter(pid => {
      try {
        return fs
          .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A sleep duration nobody else on the machine is likely to be sleeping. */
export function uniqueSleepSeconds(): string {
  return `${600 + Math.floor(Math.random() * 300)}.${Math.floor(
    Math.random() * 1e6,
  )}`;
}

/**
 * Resolves once processes whose command line contains `marker` run: the
 * evidence that a sandbox started, before a test stops it.
 */
export async function processesStarted(
  marker: string,
  timeoutMs = 10_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesMatching(marker);
    if (pids.length > 0) return pids;
    if (Date.now() > deadline) {
      throw new Error(`no process running "${marker}" after ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
}

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { LogTail } from './logTail';

export interface ProcessResult {
  exitCode: number;
  /** Combined stdout and stderr, the tail when longer than the limit. */
  logs: string;
  timedOut: boolean;
  /** Stopped because the caller's signal was aborted. */
  aborted: boolean;
}

export interface RunProcessOptions {
  file: string;
  args: string[];
  timeoutMs: number;
  maxLogBytes: number;
  signal: AbortSignal;
}

/**
 * Runs a process in its own process group, so that stopping it stops
 * everything it started. A non-zero exit is a result, not an error; only a
 * process that cannot be started at all rejects.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const { file, args, timeoutMs, maxLogBytes, signal } = options;
  return new Promise((resolve, reject) => {
    const logs = new LogTail(maxLogBytes);
    let timedOut = false;
    let aborted = false;

    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: {},
    });
    child.stdout.on('data', (data: Buffer) => logs.write(data));
    child.stderr.on('data', (data: Buffer) => logs.write(data));

    const killGroup = () => {
      if (child.pid === undefined) {
        return;
      }
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const cleanUp = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };

    child.once('error', error => {
      cleanUp();
      reject(new Error(`cannot start ${file}: ${error.message}`));
    });
    // 'close' rather than 'exit': only then has all output been read.
    child.once('close', (code, killedBy) => {
      cleanUp();
      resolve({
        exitCode: code ?? 128 + (killedBy ? constants.signals[killedBy] : 0),
        logs: logs.toString(),
        timedOut,
        aborted,
      });
    });
  });
}

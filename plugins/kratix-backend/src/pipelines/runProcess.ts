import { ChildProcess, fork } from 'node:child_process';
import { constants } from 'node:os';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
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

/** What the spawner reports about one run (see spawner/spawner.js). */
type SpawnerMessage =
  | { type: 'output'; id: number; data: Uint8Array }
  | { type: 'exit'; id: number; code: number | null; signal: string | null }
  | { type: 'error'; id: number; message: string };

interface Run {
  spawner: ChildProcess;
  logs: LogTail;
  exited(code: number | null, signal: string | null): void;
  failed(message: string): void;
}

const SPAWNER_SCRIPT = resolvePackagePath(
  '@kratix-backstage/plugin-kratix-backend',
  'spawner/spawner.js',
);

/**
 * The backend's one spawner process (spawner/spawner.js explains why), made
 * on the first run and again after it died. It keeps the backend alive
 * only while a run is in flight.
 */
class ProcessSpawner {
  #spawner?: ChildProcess;
  readonly #runs = new Map<number, Run>();
  #nextId = 1;

  start(
    file: string,
    args: string[],
    run: Omit<Run, 'spawner'>,
  ): { kill(): void } {
    const spawner = this.#current();
    const id = this.#nextId++;
    this.#runs.set(id, { ...run, spawner });
    this.#holdOpen(spawner);
    spawner.send({ type: 'run', id, file, args }, error => {
      if (error) this.#end(id)?.failed(error.message);
    });
    return {
      kill: () => {
        if (spawner.connected) spawner.send({ type: 'kill', id });
      },
    };
  }

  #current(): ChildProcess {
    if (this.#spawner?.connected) return this.#spawner;
    const spawner = fork(SPAWNER_SCRIPT, [], {
      // Not the backend's flags (loaders, inspector, heap size).
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    spawner.on('message', (message: SpawnerMessage) => this.#receive(message));
    const lost = (why: string) => {
      if (this.#spawner === spawner) this.#spawner = undefined;
      for (const [id, run] of this.#runs) {
        if (run.spawner === spawner) {
          this.#end(id);
          run.failed(`the pipeline process spawner ${why}`);
        }
      }
    };
    spawner.once('exit', (code, signal) =>
      lost(`exited (${signal ?? `code ${code}`})`),
    );
    spawner.once('error', error => lost(`failed: ${error.message}`));
    this.#spawner = spawner;
    return spawner;
  }

  #receive(message: SpawnerMessage) {
    if (message.type === 'output') {
      this.#runs.get(message.id)?.logs.write(Buffer.from(message.data));
    } else if (message.type === 'exit') {
      this.#end(message.id)?.exited(message.code, message.signal);
    } else if (message.type === 'error') {
      this.#end(message.id)?.failed(message.message);
    }
  }

  #end(id: number): Run | undefined {
    const run = this.#runs.get(id);
    this.#runs.delete(id);
    if (run && ![...this.#runs.values()].some(r => r.spawner === run.spawner)) {
      run.spawner.unref();
      run.spawner.channel?.unref();
    }
    return run;
  }

  #holdOpen(spawner: ChildProcess) {
    spawner.ref();
    spawner.channel?.ref();
  }
}

const spawner = new ProcessSpawner();

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
    // Set once started; the timer and the abort only use it later.
    const run: { kill?: () => void } = {};
    const timer = setTimeout(() => {
      timedOut = true;
      run.kill?.();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      run.kill?.();
    };
    const cleanUp = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    run.kill = spawner.start(file, args, {
      logs,
      exited(code, killedBy) {
        cleanUp();
        resolve({
          exitCode:
            code ??
            128 +
              (killedBy
                ? constants.signals[killedBy as NodeJS.Signals] ?? 0
                : 0),
          logs: logs.toString(),
          timedOut,
          aborted,
        });
      },
      failed(message) {
        cleanUp();
        reject(new Error(`cannot start ${file}: ${message}`));
      },
    }).kill;
    if (signal.aborted) {
      onAbort();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { runProcess } from './runProcess';
import {
  processesMatching,
  processesStarted,
  uniqueSleepSeconds,
} from './__testUtils__/sandbox';

const run = (script: string, signal = new AbortController().signal) =>
  runProcess({
    file: '/bin/sh',
    args: ['-c', script],
    timeoutMs: 30_000,
    maxLogBytes: 64 * 1024,
    signal,
  });

function parentOf(pid: number): number {
  // The command name may hold spaces and parentheses; the fields after its
  // closing one are fixed: state, then the parent's pid.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function gone(pids: number[]) {
  for (const pid of pids) {
    while (fs.existsSync(`/proc/${pid}`) && !zombie(pid)) {
      await new Promise(r => setTimeout(r, 20));
    }
  }
}

function zombie(pid: number) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('runProcess', () => {
  it('starts processes from one spawner process, not from the backend', async () => {
    const first = await run('echo $PPID');
    const second = await run('echo $PPID');

    const spawner = Number(first.logs.trim());
    expect(spawner).not.toBe(process.pid);
    expect(Number(second.logs.trim())).toBe(spawner);
    expect(parentOf(spawner)).toBe(process.pid);
  });

  it('reports exit codes, signals and both output streams', async () => {
    await expect(run('echo out; echo err >&2; exit 3')).resolves.toEqual({
      exitCode: 3,
      logs: 'out\nerr\n',
      timedOut: false,
      aborted: false,
    });
    expect((await run('kill -TERM $$')).exitCode).toBe(128 + 15);
  });

  it('stops the whole process group when the caller aborts', async () => {
    const seconds = uniqueSleepSeconds();
    const abort = new AbortController();
    const result = run(
      `sleep ${seconds} & sleep ${seconds}; wait`,
      abort.signal,
    );
    const sleeping = await processesStarted(seconds);
    await eventuallyCount(seconds, 2);

    abort.abort();

    await expect(result).resolves.toMatchObject({ aborted: true });
    await gone(sleeping);
    expect(processesMatching(seconds)).toEqual([]);
  });

  it('fails the runs of a spawner that dies, and starts a new one for the next run', async () => {
    const seconds = uniqueSleepSeconds();
    const cutShort = run(`exec sleep ${seconds}`);
    const [sleeping] = await processesStarted(seconds);
    const spawner = parentOf(sleeping);

    process.kill(spawner, 'SIGKILL');

    await expect(cutShort).rejects.toThrow(
      /cannot start \/bin\/sh: the pipeline process spawner exited \(SIGKILL\)/,
    );
    const next = await run('echo $PPID');
    expect(Number(next.logs.trim())).not.toBe(spawner);
    process.kill(sleeping, 'SIGKILL');
  });

  it('takes its processes with it when the backend is killed', async () => {
    // A stand-in backend: a bare Node process talking to the spawner.
    const seconds = uniqueSleepSeconds();
    const script = resolvePackagePath(
      '@kratix-backstage/plugin-kratix-backend',
      'spawner/spawner.js',
    );
    const backend = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:child_process').fork(${JSON.stringify(
          script,
        )}, [], { serialization: 'advanced' });
         s.send({ type: 'run', id: 1, file: '/bin/sh', args: ['-c', 'sleep ${seconds} & sleep ${seconds}; wait'] });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: 'ignore' },
    );
    const sleeping = await eventuallyCount(seconds, 2);

    backend.kill('SIGKILL');

    await gone(sleeping);
    expect(processesMatching(seconds)).toEqual([]);
  });
});

/** The processes running `marker`, once there are `count` of them. */
async function eventuallyCount(marker: string, count: number) {
  for (;;) {
    const pids = processesMatching(marker);
    if (pids.length >= count) return pids;
    await new Promise(r => setTimeout(r, 20));
  }
}

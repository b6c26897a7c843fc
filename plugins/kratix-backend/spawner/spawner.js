/*
 * The pipeline process spawner: a small Node process that the backend
 * starts once (src/pipelines/processSpawner.ts) and asks, over its IPC
 * channel, to start and stop sandboxed processes.
 *
 * Why a process of its own: Node starts a child with fork(), which copies
 * the parent's page tables while the parent's event loop waits. For a
 * backend of several hundred megabytes that was most of a pipeline's start
 * (8 ms of the backend's CPU per pipeline in bench:latency); from this
 * process, tens of megabytes, it is about one.
 *
 * Plain JavaScript, loaded as it is in development and in a build.
 *
 * Messages in:  { type: 'run', id, file, args } | { type: 'kill', id }
 * Messages out: { type: 'output', id, data } | { type: 'exit', id, code, signal }
 *             | { type: 'error', id, message }
 */
const { spawn } = require('node:child_process');

/** Process groups of the runs in flight, by run id. */
const running = new Map();

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function send(message) {
  if (process.connected) process.send(message);
}

function run({ id, file, args }) {
  // Its own process group, so stopping it stops everything it started.
  const child = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {},
  });
  if (child.pid !== undefined) running.set(id, child.pid);
  const output = data => send({ type: 'output', id, data });
  child.stdout.on('data', output);
  child.stderr.on('data', output);
  child.once('error', error => {
    running.delete(id);
    send({ type: 'error', id, message: error.message });
  });
  // 'close' rather than 'exit': only then has all output been read.
  child.once('close', (code, signal) => {
    running.delete(id);
    send({ type: 'exit', id, code, signal });
  });
}

process.on('message', message => {
  if (message.type === 'run') run(message);
  else if (message.type === 'kill') {
    const pid = running.get(message.id);
    if (pid !== undefined) killGroup(pid);
  }
});

// The backend is gone (exited, or killed with SIGKILL): nothing may outlive it.
process.on('disconnect', () => {
  for (const pid of running.values()) killGroup(pid);
  process.exit(0);
});

/*
 * The latency bench's clients, in a process of their own (forked by
 * requestLatency.ts, which runs the backend): the POSTs, the watches
 * that time the stages, and the stat of each awaited workload file. In the
 * backend's process they would share its event loop, so a watch event or a
 * file would be noticed only when the reconciles let the loop get to it,
 * and their CPU would count as the backend's.
 *
 * Messages from the parent: { id, op: 'sequential' | 'concurrent' |
 * 'breakdown', ... }; answered with { id, result } or { id, error }.
 * 'breakdown' asks the parent { op: 'idle' } between requests and waits for
 * { op: 'idle' } back. Times are wall-clock milliseconds (fractional).
 */
import fs from 'node:fs';

const now = () => performance.timeOrigin + performance.now();

/** @type {{ baseUrl: string, auth: string, requestsPath: string }} */
let setup;

function post(name) {
  return fetch(setup.baseUrl + setup.requestsPath, {
    method: 'POST',
    headers: { Authorization: setup.auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'bench.example.org/v1',
      kind: 'OneLine',
      metadata: { name, namespace: 'default' },
      spec: {},
    }),
  }).then(async res => {
    const text = await res.text();
    if (res.status >= 300)
      throw new Error(`POST ${name}: ${res.status} ${text}`);
  });
}

/** Every awaited file is stat'ed each millisecond until it is there. */
const waiting = new Map();
setInterval(() => {
  const at = now();
  for (const [file, waiter] of waiting) {
    if (fs.existsSync(file)) {
      waiting.delete(file);
      waiter.resolve(now());
    } else if (at > waiter.deadline) {
      waiting.delete(file);
      waiter.reject(new Error(`${file} did not appear within 60 s`));
    }
  }
}, 1).unref();

function appeared(file) {
  return new Promise((resolve, reject) =>
    waiting.set(file, { resolve, reject, deadline: now() + 60_000 }),
  );
}

/** POST to file on disk, in ms. */
async function oneRequest(name, file) {
  const t0 = now();
  const written = appeared(file);
  await post(name);
  return (await written) - t0;
}

async function sequential({ requests }) {
  const latencies = [];
  for (const { name, file } of requests) {
    latencies.push(await oneRequest(name, file));
  }
  return latencies;
}

async function concurrent({ requests, inFlight }) {
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests.length) {
        const { name, file } = requests[next++];
        await oneRequest(name, file);
      }
    }),
  );
  return { ms: now() - t0 };
}

/** Follows `?watch=true` on a collection; resolves once the stream is open. */
async function watch(path, onEvent, signal) {
  const res = await fetch(`${setup.baseUrl}${path}?watch=true`, {
    headers: { Authorization: setup.auth },
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`watch ${path}: ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  (async () => {
    let pending = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const at = now();
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines.filter(Boolean)) {
        const event = JSON.parse(line);
        onEvent(event.type, event.object, at);
      }
    }
  })().catch(() => undefined);
}

let idleWaiter;
const backendIdle = () =>
  new Promise(resolve => {
    idleWaiter = resolve;
    process.send({ op: 'idle' });
  });

const resourceOf = o =>
  o.metadata?.labels?.['kratix.io/resource-name'] ?? o.spec?.resourceName;

async function breakdown({ requests, watches }) {
  const timelines = new Map();
  const note = (name, field, at) => {
    const t = name ? timelines.get(name) : undefined;
    if (t && t[field] === undefined) t[field] = at;
  };
  const abort = new AbortController();
  for (const { path, added } of watches) {
    await watch(
      path,
      (type, o, at) => {
        if (type === 'ADDED') note(resourceOf(o), added, at);
      },
      abort.signal,
    );
  }
  // Let the watches' initial lists go by.
  await new Promise(r => setTimeout(r, 200));
  for (const { name, file } of requests) {
    const t = { posted: now() };
    timelines.set(name, t);
    const written = appeared(file);
    await post(name);
    t.answered = now();
    t.file = await written;
    // The request's own follow-up writes (its status) settle before the
    // next one, so stages are those of one request alone.
    await backendIdle();
  }
  abort.abort();
  return Object.fromEntries(timelines);
}

const ops = { sequential, concurrent, breakdown };

process.on('message', message => {
  if (message.op === 'setup') {
    setup = message.setup;
    return;
  }
  if (message.op === 'idle') {
    idleWaiter?.();
    return;
  }
  ops[message.op](message).then(
    result => process.send({ id: message.id, result }),
    error =>
      process.send({ id: message.id, error: String(error?.stack ?? error) }),
  );
});
process.on('disconnect', () => process.exit(0));

/*
 * Resource request to workload file: a real backend (SQLite in a file,
 * filesystem state store) with a Promise whose resource workflow is one
 * line of shell in the bubblewrap sandbox, and a Destination its selector
 * matches, so every request is scheduled at once. Measured from the POST of
 * a request to its workload file appearing in the state store:
 *
 * - sequentially (BENCH_SEQUENTIAL, 200): p50/p90/p99;
 * - BENCH_REQUESTS (500) with BENCH_IN_FLIGHT (16) in flight: requests/s;
 * - the baseline, in the same process: the bare sandbox start of the same
 *   command (BubblewrapPipelineRunner, bwrap spawn to exit), and the whole
 *   runPipeline around it (directories, object.yaml, output read back);
 * - a breakdown by stage of BENCH_BREAKDOWN (100) sequential requests, from
 *   the arrival times of the API's own watches (request, Pod, Work,
 *   WorkPlacement) and the file appearing (stat every millisecond), with the
 *   SQL statements per request by table and kind (knex's query events);
 * - where CPU goes during a throughput run (the V8 sampling profiler of
 *   this process, which is the backend's): by layer, inclusive.
 *
 * Figures are printed; only that every request reached its file is
 * asserted. `yarn bench:latency` from the root or plugins/kratix-backend.
 * BENCH_CPU_PROFILE=<file> also keeps the profile for Chrome DevTools.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import { mockCredentials } from '@backstage/backend-test-utils';
import { PipelineObject } from '@kratix-backstage/plugin-kratix-common';
import {
  capturingLogger,
  KratixTestBackend,
  listFiles,
  startKratixBackend,
  tempDir,
} from '../src/__testUtils__/testBackend';
import { BubblewrapPipelineRunner } from '../src/pipelines/BubblewrapPipelineRunner';
import { runPipeline } from '../src/pipelines/runPipeline';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const BREAKDOWN = Number(process.env.BENCH_BREAKDOWN ?? 100);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const PROFILED = Number(process.env.BENCH_PROFILED ?? 300);
const SANDBOX_RUNS = 100;

jest.setTimeout(30 * 60 * 1000);

const IMAGE = 'bench.example.org/one-line:v1';
/** The one line: the request, as a ConfigMap, is the workload. */
const ONE_LINE =
  'sed "s/^kind: .*/kind: ConfigMap/" /kratix/input/object.yaml > /kratix/output/configmap.yaml';
const COMMAND = ['/bin/sh', '-c', ONE_LINE];

const PROMISE = `
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata: { name: oneline }
spec:
  destinationSelectors: [{ matchLabels: { bench: "true" } }]
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: { name: onelines.bench.example.org }
    spec:
      group: bench.example.org
      names: { kind: OneLine, plural: onelines }
      scope: Namespaced
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  properties: { size: { type: string, default: small } }
  workflows:
    resource:
      configure:
        - apiVersion: platform.kratix.io/v1alpha1
          kind: Pipeline
          metadata: { name: configure }
          spec:
            containers:
              - { name: one-line, image: ${IMAGE} }
`;

const REQUESTS_PATH = '/apis/bench.example.org/v1/namespaces/default/onelines';

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function median(values: number[]) {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

const ms = (v: number) => v.toFixed(1);

class Api {
  readonly auth = mockCredentials.user.header();
  constructor(readonly baseUrl: string) {}

  async send(method: string, p: string, body?: unknown, type?: string) {
    const res = await fetch(this.baseUrl + p, {
      method,
      headers: {
        Authorization: this.auth,
        'Content-Type': type ?? 'application/json',
      },
      body:
        body === undefined || typeof body === 'string'
          ? (body as string | undefined)
          : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) {
      throw new Error(`${method} ${p}: ${res.status} ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  create(name: string) {
    return this.send('POST', REQUESTS_PATH, {
      apiVersion: 'bench.example.org/v1',
      kind: 'OneLine',
      metadata: { name, namespace: 'default' },
      spec: {},
    });
  }

  /**
   * Follows `?watch=true` on a collection, noting when each event arrives;
   * resolves once the stream is open.
   */
  async watch(
    p: string,
    onEvent: (type: string, object: any, at: number) => void,
    signal: AbortSignal,
  ) {
    const res = await fetch(`${this.baseUrl}${p}?watch=true`, {
      headers: { Authorization: this.auth },
      signal,
    });
    if (!res.ok || !res.body) throw new Error(`watch ${p}: ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    (async () => {
      let pending = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const at = performance.now();
        pending += decoder.decode(value, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines.filter(Boolean)) {
          const event = JSON.parse(line);
          onEvent(event.type, event.object, at);
        }
      }
    })().catch(() => undefined);
  }
}

/**
 * Notices workload files appearing: every millisecond, a stat of each
 * awaited path (a few at a time, so the cost stays far below the backend's).
 */
class FileWaiter {
  readonly #waiting = new Map<
    string,
    { resolve: (at: number) => void; deadline: number; fail: () => void }
  >();
  readonly #timer = setInterval(() => this.#check(), 1);

  appeared(file: string, timeoutMs = 60_000): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#waiting.set(file, {
        resolve,
        deadline: performance.now() + timeoutMs,
        fail: () =>
          reject(new Error(`${file} did not appear within ${timeoutMs} ms`)),
      }),
    );
  }

  #check() {
    const now = performance.now();
    for (const [file, waiter] of this.#waiting) {
      if (fs.existsSync(file)) {
        this.#waiting.delete(file);
        waiter.resolve(performance.now());
      } else if (now > waiter.deadline) {
        this.#waiting.delete(file);
        waiter.fail();
      }
    }
  }

  stop() {
    clearInterval(this.#timer);
  }
}

/**
 * Which SQL statements a phase issued, by kind and table, and how long each
 * took from being sent to its answer (better-sqlite3 runs them while the
 * event loop waits, so this is their cost in the backend's time).
 */
class StatementCounter {
  readonly counts = new Map<string, { n: number; ms: number }>();
  readonly #sent = new Map<string, { key: string; at: number }>();
  #on = false;
  /** With BENCH_TRACE: every statement after this time, in order. */
  traceFrom?: number;
  readonly trace: string[] = [];

  constructor(knex: Knex) {
    knex.on(
      'query',
      (q: { sql: string; bindings?: unknown[]; __knexQueryUid: string }) => {
        // The bench's own whenIdle() counts the queue; it is not the engine.
        if (!this.#on || /count\(\*\)/i.test(q.sql)) return;
        const at = performance.now();
        this.#sent.set(q.__knexQueryUid, {
          key: describeStatement(q.sql, q.bindings ?? []),
          at,
        });
        if (this.traceFrom !== undefined) {
          this.trace.push(
            `${(at - this.traceFrom).toFixed(1).padStart(7)} ms  ${q.sql.slice(
              0,
              160,
            )}`,
          );
        }
      },
    );
    const answered = (_: unknown, q: { __knexQueryUid: string }) => {
      const sent = this.#sent.get(q.__knexQueryUid);
      if (!sent) return;
      this.#sent.delete(q.__knexQueryUid);
      const entry = this.counts.get(sent.key) ?? { n: 0, ms: 0 };
      entry.n += 1;
      entry.ms += performance.now() - sent.at;
      this.counts.set(sent.key, entry);
    };
    knex.on('query-response', answered);
    knex.on('query-error', answered);
  }

  start() {
    this.counts.clear();
    this.#on = true;
  }

  stop() {
    this.#on = false;
  }
}

/** `select kratix_objects: list by label Event`, `update kratix_queue`, ... */
function describeStatement(sql: string, bindings: unknown[]): string {
  const verb = sql.trim().split(/\s+/)[0].toLowerCase();
  const table = /(?:from|into|update)\s+[`"]?(\w+)/i.exec(sql)?.[1] ?? '';
  if (verb === 'select' && /pragma|sqlite_master/i.test(sql)) return 'pragma';
  if (verb === 'select' && table === 'kratix_objects') {
    // Object reads start with the group and kind they read.
    const shapes: [RegExp, string][] = [
      [/ limit /i, 'get'],
      [/ join /i, 'list by label'],
      [/ in \(/i, 'bodies by id'],
    ];
    const shape = shapes.find(([re]) => re.test(sql))?.[1] ?? 'list';
    return `select kratix_objects: ${shape} ${
      shape === 'bodies by id' ? '' : String(bindings[1] ?? '')
    }`.trim();
  }
  return table ? `${verb} ${table}` : verb;
}

async function sandboxBaseline(workRoot: string) {
  const runner = new BubblewrapPipelineRunner({
    images: { [IMAGE]: { command: COMMAND } },
    timeoutMs: 30_000,
    maxLogBytes: 64 * 1024,
  });
  const logger = capturingLogger([]);
  const bare: number[] = [];
  for (let i = 0; i < SANDBOX_RUNS; i++) {
    const dir = fs.mkdtempSync(path.join(workRoot, 'sandbox-'));
    const dirs = ['input', 'output', 'metadata'].map(d => path.join(dir, d));
    dirs.forEach(d => fs.mkdirSync(d));
    fs.writeFileSync(
      path.join(dirs[0], 'object.yaml'),
      'kind: OneLine\nmetadata: { name: x }\n',
    );
    const t0 = performance.now();
    const result = await runner.run({
      container: { name: 'one-line', image: IMAGE },
      inputDir: dirs[0],
      outputDir: dirs[1],
      metadataDir: dirs[2],
      env: {},
      signal: new AbortController().signal,
      logger,
    });
    bare.push(performance.now() - t0);
    if (result.exitCode !== 0) throw new Error(`sandbox: ${result.logs}`);
    fs.rmSync(dir, { recursive: true });
  }
  const pipeline: PipelineObject = {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'configure' },
    spec: { containers: [{ name: 'one-line', image: IMAGE }] },
  };
  const whole: number[] = [];
  for (let i = 0; i < SANDBOX_RUNS; i++) {
    const t0 = performance.now();
    const result = await runPipeline({
      pipeline,
      object: {
        apiVersion: 'bench.example.org/v1',
        kind: 'OneLine',
        metadata: { name: `x${i}`, namespace: 'default' },
        spec: {},
      },
      env: {},
      runners: [runner],
      inProcess: new Map(),
      logger,
    });
    whole.push(performance.now() - t0);
    if (!result.ok) throw new Error(`runPipeline: ${result.message}`);
  }
  return { bare: median(bare), runPipeline: median(whole) };
}

interface Timeline {
  posted: number;
  answered?: number;
  requestAdded?: number;
  podCreated?: number;
  containerStarted?: number;
  containerFinished?: number;
  workAdded?: number;
  placementAdded?: number;
  file?: number;
  scheduled?: number;
}

const STAGES: [keyof Timeline, string][] = [
  ['answered', 'POST answered'],
  ['requestAdded', 'request ADDED (watch)'],
  ['podCreated', 'pipeline Pod created (its startTime)'],
  ['containerStarted', 'container started (its startedAt)'],
  ['containerFinished', 'container finished (its finishedAt)'],
  ['workAdded', 'Work ADDED'],
  ['placementAdded', 'WorkPlacement ADDED'],
  ['file', 'workload file on disk'],
];

/** Folds the profile's samples into layers, inclusive (a sample may count in several). */
function cpuByLayer(profile: any) {
  const nodes = new Map<number, any>();
  for (const n of profile.nodes) nodes.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of profile.nodes)
    for (const c of n.children ?? []) parent.set(c, n.id);
  const layers: [string, (url: string, fn: string) => boolean][] = [
    [
      'SQLite statements (better-sqlite3)',
      url => url.includes('better-sqlite3'),
    ],
    [
      'knex (query building, pool, transactions)',
      url => /node_modules\/knex\//.test(url),
    ],
    [
      'object store writes/reads (DatabaseObjectStore)',
      url => url.includes('store/DatabaseObjectStore'),
    ],
    [
      'change feed (ChangeFeed: read, dispatch copies)',
      url => url.includes('store/ChangeFeed'),
    ],
    [
      'work queue (DatabaseWorkQueue)',
      url => url.includes('store/DatabaseWorkQueue'),
    ],
    ['controllers', url => /src\/(controllers|engine)\//.test(url)],
    [
      'admission (ajv, defaults)',
      url => /src\/admission\/|node_modules\/ajv/.test(url),
    ],
    [
      'HTTP API (express, router, watch)',
      url =>
        /src\/api\/|node_modules\/express|node_modules\/body-parser/.test(url),
    ],
    [
      'pipelines (runPipeline, spawn)',
      url => /src\/pipelines\/|child_process/.test(url),
    ],
    ['state store writes', url => url.includes('src/statestores/')],
    [
      'JSON.parse / JSON.stringify',
      (url, fn) => url === '' && (fn === 'parse' || fn === 'stringify'),
    ],
    ['YAML', url => /node_modules\/yaml\//.test(url)],
  ];
  const inclusive = new Map<string, number>(layers.map(([l]) => [l, 0]));
  let idle = 0;
  let gc = 0;
  let total = 0;
  const deltas: number[] = profile.timeDeltas;
  profile.samples.forEach((id: number, i: number) => {
    const dt = (deltas[i + 1] ?? 0) / 1000;
    total += dt;
    const leaf = nodes.get(id);
    if (leaf.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    if (leaf.callFrame.functionName === '(garbage collector)') gc += dt;
    const hit = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { url, functionName } = nodes.get(n).callFrame;
      for (const [layer, test] of layers) {
        if (test(url, functionName)) hit.add(layer);
      }
    }
    for (const layer of hit) inclusive.set(layer, inclusive.get(layer)! + dt);
  });
  return { inclusive, idle, gc, total };
}

describe('resource request to workload file', () => {
  let knex: Knex;
  let backend: KratixTestBackend;
  let api: Api;
  let files: FileWaiter;
  let statements: StatementCounter;
  let workRoot: string;
  /** The workload file of a request, from the first request's. */
  let fileOf: (name: string) => string;

  beforeAll(async () => {
    workRoot = tempDir('kratix-bench-latency-');
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(workRoot, 'kratix.sqlite') },
      useNullAsDefault: true,
    });
    statements = new StatementCounter(knex);
    const stateStoreRoot = path.join(workRoot, 'statestore');
    fs.mkdirSync(stateStoreRoot);
    backend = await startKratixBackend({
      knex,
      stateStoreRoot,
      config: {
        // The production default of workers, not the tests' two.
        engine: {},
        pipelines: { images: { [IMAGE]: { command: COMMAND } } },
      },
    });
    api = new Api(backend.baseUrl);
    files = new FileWaiter();
    await api.send('POST', '/apply', PROMISE, 'application/yaml');
    await api.send(
      'PATCH',
      '/apis/platform.kratix.io/v1alpha1/destinations/worker-1',
      { metadata: { labels: { bench: 'true' } } },
      'application/merge-patch+json',
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const promise = await api.send(
        'GET',
        '/apis/platform.kratix.io/v1alpha1/promises/oneline',
      );
      if (promise.status?.status === 'Available') break;
      if (Date.now() > deadline) throw new Error('Promise not Available');
      await new Promise(r => setTimeout(r, 50));
    }
    await backend.whenIdle();
    // Where the first request's file lands tells where every one's does.
    await api.create('warm-up');
    const findFile = async (): Promise<string> => {
      for (let i = 0; i < 2000; i++) {
        // The file itself, not the writer's temporary file beside it.
        const found = listFiles(stateStoreRoot).find(
          f => f.includes('/warm-up/') && f.endsWith('/configmap.yaml'),
        );
        if (found) return path.join(stateStoreRoot, found);
        await new Promise(r => setTimeout(r, 10));
      }
      throw new Error('the warm-up request was never written');
    };
    const first = await findFile();
    fileOf = name => first.replace('/warm-up/', `/${name}/`);
    await backend.whenIdle();
  });

  afterAll(async () => {
    files?.stop();
    await backend?.stop();
    await knex?.destroy();
    fs.rmSync(workRoot, { recursive: true, force: true });
  });

  async function oneRequest(name: string) {
    const t0 = performance.now();
    const written = files.appeared(fileOf(name));
    await api.create(name);
    return (await written) - t0;
  }

  async function sequential(prefix: string, count: number) {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      latencies.push(await oneRequest(`${prefix}-${i}`));
    }
    return latencies.sort((a, b) => a - b);
  }

  async function concurrent(prefix: string, count: number, inFlight: number) {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) {
          await oneRequest(`${prefix}-${next++}`);
        }
      }),
    );
    return (count / (performance.now() - t0)) * 1000;
  }

  async function breakdown(prefix: string, count: number) {
    const timelines = new Map<string, Timeline>();
    const abort = new AbortController();
    const note = (
      name: string | undefined,
      field: keyof Timeline,
      at: number,
    ) => {
      const t = name ? timelines.get(name) : undefined;
      if (t && t[field] === undefined) t[field] = at;
    };
    const resourceOf = (o: any) =>
      o.metadata?.labels?.['kratix.io/resource-name'] ?? o.spec?.resourceName;
    await api.watch(
      REQUESTS_PATH,
      (type, o, at) => {
        if (type === 'ADDED') note(o.metadata.name, 'requestAdded', at);
        if (o.status?.schedulingMessage?.startsWith('Scheduled'))
          note(o.metadata.name, 'scheduled', at);
      },
      abort.signal,
    );
    await api.watch(
      '/apis/platform.kratix.io/v1alpha1/namespaces/default/works',
      (type, o, at) => {
        if (type === 'ADDED') note(resourceOf(o), 'workAdded', at);
      },
      abort.signal,
    );
    await api.watch(
      '/apis/platform.kratix.io/v1alpha1/namespaces/default/workplacements',
      (type, o, at) => {
        if (type === 'ADDED') note(resourceOf(o), 'placementAdded', at);
      },
      abort.signal,
    );
    // Let the watches' initial lists go by.
    await new Promise(r => setTimeout(r, 200));
    statements.start();
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}`;
      const t: Timeline = { posted: performance.now() };
      timelines.set(name, t);
      if (process.env.BENCH_TRACE && i === count - 1) {
        statements.traceFrom = t.posted;
      }
      const written = files.appeared(fileOf(name));
      await api.create(name);
      t.answered = performance.now();
      t.file = await written;
      // The request's own follow-up writes (its status) settle before the
      // next one, so stages are those of one request alone.
      await backend.whenIdle();
    }
    statements.stop();
    statements.traceFrom = undefined;
    abort.abort();
    // Pods have no watch here; their own times (wall clock, milliseconds)
    // say when the run was recorded, and when its container started and
    // ended.
    const wall = (iso?: string) =>
      iso ? Date.parse(iso) - performance.timeOrigin : undefined;
    const pods = await api.send('GET', '/api/v1/namespaces/default/pods');
    for (const pod of pods.items) {
      const t = timelines.get(resourceOf(pod));
      const run = pod.status?.containerStatuses?.[0]?.state?.terminated;
      if (!t) continue;
      t.podCreated = wall(pod.status?.startTime);
      t.containerStarted = wall(run?.startedAt);
      t.containerFinished = wall(run?.finishedAt);
    }
    const rows: { stage: string; fromPrevious: number; fromPost: number }[] =
      [];
    let previous: keyof Timeline = 'posted';
    for (const [field, stage] of STAGES) {
      const from = previous;
      const deltas = [...timelines.values()]
        .filter(t => t[field] !== undefined && t[from] !== undefined)
        .map(t => t[field]! - t[from]!);
      const total = [...timelines.values()]
        .filter(t => t[field] !== undefined)
        .map(t => t[field]! - t.posted);
      rows.push({
        stage,
        fromPrevious: median(deltas),
        fromPost: median(total),
      });
      previous = field;
    }
    const settled = [...timelines.values()]
      .filter(t => t.scheduled !== undefined)
      .map(t => t.scheduled! - t.posted);
    return { rows, settled: median(settled), timelines };
  }

  it('measures latency, throughput and where the time goes', async () => {
    const sandbox = await sandboxBaseline(workRoot);
    const seq = await sequential('seq', SEQUENTIAL);
    await backend.whenIdle();
    // CPU of this process (the backend's; sandboxes are child processes):
    // what bounds requests/s on one core, whatever else the machine runs.
    const cpuBefore = process.cpuUsage();
    const perSecond = await concurrent('par', REQUESTS, IN_FLIGHT);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerRequest = (cpu.user + cpu.system) / 1000 / REQUESTS;
    await backend.whenIdle();
    const stages = await breakdown('stage', BREAKDOWN);
    const perRequest = [...statements.counts.entries()]
      .map(([k, { n, ms: t }]) => [k, n / BREAKDOWN, t / BREAKDOWN] as const)
      .sort((a, b) => b[2] - a[2]);
    await backend.whenIdle();

    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const profiledStart = performance.now();
    const profiledPerSecond = await concurrent('prof', PROFILED, IN_FLIGHT);
    const profiledMs = performance.now() - profiledStart;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    if (process.env.BENCH_CPU_PROFILE) {
      fs.writeFileSync(process.env.BENCH_CPU_PROFILE, JSON.stringify(profile));
    }
    const layers = cpuByLayer(profile);

    expect(seq).toHaveLength(SEQUENTIAL);
    const p50 = percentile(seq, 0.5);
    const lines = [
      `resource request to workload file, SQLite, one-line sandboxed pipeline, ${
        os.cpus().length
      } cores`,
      '',
      '| measure | value | ratio to bare sandbox start |',
      '|---|---|---|',
      `| bare sandbox start (bwrap spawn to exit), p50 | ${ms(
        sandbox.bare,
      )} ms | 1.00 |`,
      `| runPipeline (dirs, object.yaml, sandbox, output), p50 | ${ms(
        sandbox.runPipeline,
      )} ms | ${(sandbox.runPipeline / sandbox.bare).toFixed(2)} |`,
      `| sequential p50 (${SEQUENTIAL} requests) | ${ms(p50)} ms | ${(
        p50 / sandbox.bare
      ).toFixed(2)} |`,
      `| sequential p90 | ${ms(percentile(seq, 0.9))} ms | ${(
        percentile(seq, 0.9) / sandbox.bare
      ).toFixed(2)} |`,
      `| sequential p99 | ${ms(percentile(seq, 0.99))} ms | ${(
        percentile(seq, 0.99) / sandbox.bare
      ).toFixed(2)} |`,
      `| throughput, ${IN_FLIGHT} in flight (${REQUESTS} requests) | ${perSecond.toFixed(
        0,
      )} requests/s | ${((perSecond * sandbox.bare) / 1000).toFixed(
        2,
      )} (× sandbox starts/s) |`,
      `| backend CPU per request in that run (user + system) | ${ms(
        cpuPerRequest,
      )} ms | at most ${(1000 / cpuPerRequest).toFixed(
        0,
      )} requests/s on one core |`,
      '',
      `stages, median of ${BREAKDOWN} sequential requests observed through the API's watches:`,
      '',
      '| stage | ms after the previous | ms after the POST |',
      '|---|---|---|',
      ...stages.rows.map(
        r => `| ${r.stage} | ${ms(r.fromPrevious)} | ${ms(r.fromPost)} |`,
      ),
      `| (request status says Scheduled) | | ${ms(stages.settled)} |`,
      `| (of which the bare sandbox start) | ${ms(sandbox.bare)} | |`,
      '',
      'SQL statements per request (all the engine issues for one request, to the last status write):',
      '',
      '| statement | per request | ms per request |',
      '|---|---|---|',
      ...perRequest.map(
        ([k, n, t]) => `| ${k} | ${n.toFixed(1)} | ${t.toFixed(2)} |`,
      ),
      `| total | ${perRequest
        .reduce((sum, [, n]) => sum + n, 0)
        .toFixed(1)} | ${perRequest
        .reduce((sum, [, , t]) => sum + t, 0)
        .toFixed(2)} |`,
      '',
      `CPU of the backend's process during ${PROFILED} requests, ${IN_FLIGHT} in flight (${profiledPerSecond.toFixed(
        0,
      )} requests/s profiled, ${ms(profiledMs)} ms wall), inclusive by layer:`,
      '',
      '| layer | ms | per request | % of busy |',
      '|---|---|---|---|',
      ...[...layers.inclusive.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(
          ([layer, t]) =>
            `| ${layer} | ${t.toFixed(0)} | ${(t / PROFILED).toFixed(2)} | ${(
              (100 * t) /
              (layers.total - layers.idle)
            ).toFixed(0)} |`,
        ),
      `| garbage collector | ${layers.gc.toFixed(0)} | ${(
        layers.gc / PROFILED
      ).toFixed(2)} | ${(
        (100 * layers.gc) /
        (layers.total - layers.idle)
      ).toFixed(0)} |`,
      `| busy (all but idle) | ${(layers.total - layers.idle).toFixed(0)} | ${(
        (layers.total - layers.idle) /
        PROFILED
      ).toFixed(2)} | 100 |`,
      `| idle | ${layers.idle.toFixed(0)} | | |`,
    ];
    if (statements.trace.length) {
      lines.push(
        '',
        `every statement of the last of the ${BREAKDOWN} requests, from its POST:`,
        ...statements.trace,
      );
    }
    // eslint-disable-next-line no-console
    console.log(lines.join('\n'));
  });
});

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
 * The clients (POSTs, watches, file stats) run in a process of their own
 * (latencyClient.mjs): in this one they would share the backend's event
 * loop, noticing a watch event or a file only when the reconciles let them,
 * and their CPU would count as the backend's.
 *
 * The backend runs as in production, in plain Node (Backstage's node
 * transform, as `backstage-cli package start` runs it), not under Jest:
 * Jest runs every module in a vm context, where each lookup of a global
 * (Math, JSON, Promise, Object, ...) goes through the context's
 * interceptors, so the same backend spent more CPU there (61 ms a request
 * against 50, one run each; knex alone, in memory: 115–180 µs a statement
 * against 70–110 µs).
 *
 * Figures are printed; only that every request reached its file is
 * checked. `yarn bench:latency` from the root or plugins/kratix-backend.
 * BENCH_CPU_PROFILE=<file> also keeps the profile for Chrome DevTools.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess, fork } from 'node:child_process';
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
}

/** The client process (latencyClient.mjs), one operation at a time. */
class LatencyClient {
  readonly #child: ChildProcess;
  readonly #pending = new Map<
    number,
    { resolve: (v: any) => void; reject: (e: Error) => void }
  >();
  #next = 0;

  constructor(baseUrl: string, whenIdle: () => Promise<void>) {
    this.#child = fork(path.join(__dirname, 'latencyClient.mjs'), [], {
      execArgv: [],
    });
    this.#child.send({
      op: 'setup',
      setup: {
        baseUrl,
        auth: mockCredentials.user.header(),
        requestsPath: REQUESTS_PATH,
      },
    });
    this.#child.on('message', (m: any) => {
      if (m.op === 'idle') {
        whenIdle().then(() => this.#child.send({ op: 'idle' }));
        return;
      }
      const waiter = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.error) waiter?.reject(new Error(`latency client: ${m.error}`));
      else waiter?.resolve(m.result);
    });
  }

  call<T>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, op, ...args });
    });
  }

  stop() {
    this.#child.disconnect();
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
        // The bench's own whenIdle() counts the queue; it is not the engine
        // (the label index's probes count too, and are).
        if (
          !this.#on ||
          /^select count\(\*\) as .count. from .kratix_queue. limit/i.test(
            q.sql,
          )
        )
          return;
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
  requestCommitted?: number;
  podCreated?: number;
  containerStarted?: number;
  containerFinished?: number;
  podFinished?: number;
  workCreated?: number;
  placementCreated?: number;
  file?: number;
  placementWritten?: number;
  scheduled?: number;
  /** When the client's watch of Works delivered the Work's ADDED. */
  workSeen?: number;
}

/** In the order they happen; each row is timed from the one before. */
const STAGES: [keyof Timeline, string][] = [
  ['answered', 'POST answered (client)'],
  ['requestCommitted', 'request committed'],
  ['podCreated', 'pipeline Pod committed'],
  ['containerStarted', 'container started (its startedAt)'],
  ['containerFinished', 'container finished (its finishedAt)'],
  ['podFinished', 'pipeline Pod status committed'],
  ['workCreated', 'Work committed'],
  ['placementCreated', 'WorkPlacement committed'],
  ['file', 'workload file on disk (client)'],
  ['placementWritten', 'WorkPlacement status committed'],
];

/**
 * When the engine committed each object of a request: the change-feed
 * insert of its write transaction, seen through knex's query events of the
 * backend's own connection (the COMMIT follows within microseconds).
 * Wall-clock milliseconds, like the client's. A watch would say later: its
 * events reach the socket only once the engine awaits real I/O.
 */
class CommitTimes {
  readonly #byName = new Map<string, Partial<Timeline>>();
  /** Only while the breakdown runs: parsing bodies costs the backend's CPU. */
  on = false;

  constructor(knex: Knex) {
    knex.on('query', (q: { sql: string; bindings?: unknown[] }) => {
      if (!this.on || !q.sql.startsWith('insert into `kratix_changes`')) {
        return;
      }
      const at = performance.timeOrigin + performance.now();
      const columns = /\(([^)]*)\)/
        .exec(q.sql)![1]
        .split(',')
        .map(c => c.trim().replace(/`/g, ''));
      const value = (column: string) =>
        q.bindings?.[columns.indexOf(column)] as string;
      const kind = value('kind');
      const type = value('type');
      if (kind === 'OneLine') {
        const name = value('name');
        if (type === 'ADDED') this.#note(name, 'requestCommitted', at);
        else if (
          JSON.parse(value('body')).status?.schedulingMessage?.startsWith(
            'Scheduled',
          )
        ) {
          this.#note(name, 'scheduled', at);
        }
        return;
      }
      const field = (
        {
          'ADDED Pod': 'podCreated',
          'MODIFIED Pod': 'podFinished',
          'ADDED Work': 'workCreated',
          'ADDED WorkPlacement': 'placementCreated',
          'MODIFIED WorkPlacement': 'placementWritten',
        } as Record<string, keyof Timeline>
      )[`${type} ${kind}`];
      if (!field) return;
      const resource = JSON.parse(value('body')).metadata?.labels?.[
        'kratix.io/resource-name'
      ];
      if (resource) this.#note(resource, field, at);
    });
  }

  /** The first time of each stage, per request. */
  of(name: string): Partial<Timeline> {
    return this.#byName.get(name) ?? {};
  }

  #note(name: string, field: keyof Timeline, at: number) {
    const t = this.#byName.get(name) ?? {};
    t[field] ??= at;
    this.#byName.set(name, t);
  }
}

/**
 * What knex's own JavaScript was doing, by the knex file nearest the
 * sample's leaf (helpers it calls, lodash and builtins, count as knex).
 */
const KNEX_PARTS: [string, RegExp][] = [
  [
    'building SQL (query builder, compiler, formatter)',
    /knex\/lib\/(query|formatter|raw\.js|ref\.js|util|builder-interface|dialects\/[^/]+\/query)/,
  ],
  [
    'transactions (a knex instance per transaction, BEGIN/COMMIT)',
    /knex\/lib\/(execution\/transaction|knex-builder|dialects\/[^/]+\/execution)/,
  ],
  ['running statements, the pool (tarn)', /node_modules\/(knex|tarn)\//],
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
      'change feed (ChangeFeed: read, dispatch)',
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
  const knexOwn = new Map<string, number>(KNEX_PARTS.map(([l]) => [l, 0]));
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
    // Own time of knex: the nearest frame with a file is knex's or a
    // library it called. Builtins count for that frame, except SQLite's
    // native calls from knex's better-sqlite3 dialect.
    let nearest = true;
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { url } = nodes.get(n).callFrame;
      if (url === '' || url.startsWith('node:')) continue;
      if (nearest) {
        nearest = false;
        if (!/node_modules\/(knex|tarn|lodash)\//.test(url)) break;
        if (n !== id && url.includes('dialects/better-sqlite3/')) break;
      }
      const part = KNEX_PARTS.find(([, re]) => re.test(url));
      if (part) {
        knexOwn.set(part[0], knexOwn.get(part[0])! + dt);
        break;
      }
    }
    const hit = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const { url, functionName } = nodes.get(n).callFrame;
      for (const [layer, test] of layers) {
        if (test(url, functionName)) hit.add(layer);
      }
    }
    for (const layer of hit) inclusive.set(layer, inclusive.get(layer)! + dt);
  });
  return { inclusive, knexOwn, idle, gc, total };
}

async function measure() {
  let knex!: Knex;
  let backend!: KratixTestBackend;
  let api!: Api;
  let client!: LatencyClient;
  /** Told each time the client waits for the engine to be idle. */
  let idleAsked: (() => void) | undefined;
  let statements!: StatementCounter;
  let commits!: CommitTimes;
  let workRoot!: string;
  /** The workload file of a request, from the first request's. */
  let fileOf!: (name: string) => string;

  async function setUp() {
    workRoot = tempDir('kratix-bench-latency-');
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(workRoot, 'kratix.sqlite') },
      useNullAsDefault: true,
    });
    statements = new StatementCounter(knex);
    commits = new CommitTimes(knex);
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
    await api.send('POST', REQUESTS_PATH, {
      apiVersion: 'bench.example.org/v1',
      kind: 'OneLine',
      metadata: { name: 'warm-up', namespace: 'default' },
      spec: {},
    });
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
    client = new LatencyClient(backend.baseUrl, async () => {
      idleAsked?.();
      await backend.whenIdle();
    });
  }

  async function tearDown() {
    client?.stop();
    await backend?.stop();
    await knex?.destroy();
    fs.rmSync(workRoot, { recursive: true, force: true });
  }

  const requestsOf = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const name = `${prefix}-${i}`;
      return { name, file: fileOf(name) };
    });

  async function sequential(prefix: string, count: number) {
    const latencies = await client.call<number[]>('sequential', {
      requests: requestsOf(prefix, count),
    });
    return latencies.sort((a, b) => a - b);
  }

  async function concurrent(prefix: string, count: number, inFlight: number) {
    const { ms: wallMs } = await client.call<{ ms: number }>('concurrent', {
      requests: requestsOf(prefix, count),
      inFlight,
    });
    return (count / wallMs) * 1000;
  }

  async function breakdown(prefix: string, count: number) {
    statements.start();
    commits.on = true;
    let idles = 0;
    idleAsked = () => {
      // The last request is posted as soon as this answer reaches the client.
      if (++idles === count - 1 && process.env.BENCH_TRACE) {
        statements.traceFrom = performance.now();
      }
    };
    const timelines = new Map<string, Timeline>(
      Object.entries(
        await client.call<Record<string, Timeline>>('breakdown', {
          requests: requestsOf(prefix, count),
          watches: [
            {
              path: '/apis/platform.kratix.io/v1alpha1/namespaces/default/works',
              added: 'workSeen',
            },
          ],
        }),
      ),
    );
    idleAsked = undefined;
    commits.on = false;
    statements.stop();
    statements.traceFrom = undefined;
    for (const [name, t] of timelines) Object.assign(t, commits.of(name));
    // The container's own times (wall clock, milliseconds) from its Pod.
    const pods = await api.send('GET', '/api/v1/namespaces/default/pods');
    for (const pod of pods.items) {
      const t = timelines.get(pod.metadata.labels?.['kratix.io/resource-name']);
      const run = pod.status?.containerStatuses?.[0]?.state?.terminated;
      if (!t || !run) continue;
      t.containerStarted = Date.parse(run.startedAt);
      t.containerFinished = Date.parse(run.finishedAt);
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
    const fromPost = (field: keyof Timeline) =>
      median(
        [...timelines.values()]
          .filter(t => t[field] !== undefined)
          .map(t => t[field]! - t.posted),
      );
    return {
      rows,
      settled: fromPost('scheduled'),
      workSeenLag: median(
        [...timelines.values()]
          .filter(t => t.workSeen !== undefined && t.workCreated !== undefined)
          .map(t => t.workSeen! - t.workCreated!),
      ),
      timelines,
    };
  }

  await setUp();
  try {
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
    const cpuRow = ([name, t]: [string, number]) =>
      `| ${name} | ${t.toFixed(0)} | ${(t / PROFILED).toFixed(2)} | ${(
        (100 * t) /
        (layers.total - layers.idle)
      ).toFixed(0)} |`;

    if (seq.length !== SEQUENTIAL) {
      throw new Error(
        `${seq.length} of ${SEQUENTIAL} requests reached their file`,
      );
    }
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
      `stages, median of ${BREAKDOWN} sequential requests, from the engine's commits and the client's clock:`,
      '',
      '| stage | ms after the previous | ms after the POST |',
      '|---|---|---|',
      ...stages.rows.map(
        r => `| ${r.stage} | ${ms(r.fromPrevious)} | ${ms(r.fromPost)} |`,
      ),
      `| (request status Scheduled committed) | | ${ms(stages.settled)} |`,
      `| (Work ADDED delivered by a watch, after its commit) | ${ms(
        stages.workSeenLag,
      )} | |`,
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
        .map(cpuRow),
      cpuRow(['garbage collector', layers.gc]),
      `| busy (all but idle) | ${(layers.total - layers.idle).toFixed(0)} | ${(
        (layers.total - layers.idle) /
        PROFILED
      ).toFixed(2)} | 100 |`,
      `| idle | ${layers.idle.toFixed(0)} | | |`,
      '',
      "knex's own JavaScript in that run (self time, SQLite's excluded), by what it was doing:",
      '',
      '| part | ms | per request | % of busy |',
      '|---|---|---|---|',
      ...[...layers.knexOwn.entries()].map(cpuRow),
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
  } finally {
    await tearDown();
  }
}

measure().then(
  // The pool's and the client's handles would keep the process alive.
  () => process.exit(0),
  error => {
    // eslint-disable-next-line no-console
    console.error(error);
    process.exit(1);
  },
);

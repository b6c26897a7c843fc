/*
 * One Destination label change, end to end through a real backend (HTTP
 * API, SQLite store, durable queue, controllers, filesystem state store):
 * BENCH_DESTINATIONS (1000) destinations, BENCH_GROUPS (10000) placed
 * workload groups (one per Work), and one PATCH giving a destination the
 * label BENCH_AFFECTED (100) dependency groups ask for (labelChangeWorld.ts
 * says why exactly those), sent from a process of its own (outsideClient.ts
 * says why). Measured: the PATCH until the last of their new
 * placement files is written, and the Works the backend reconciled
 * (`kratix.controller.reconciles{controller=work}`, read through a metrics
 * service that records).
 *
 * The baseline, in the same backend: Kratix's trigger, every Work
 * re-reconciled on a Destination change. A second, equivalent PATCH (one
 * more destination gains the label); every Work is queued beforehand under
 * a dead replica's claim whose lease ends shortly after the PATCH, so all
 * become due at one moment and run in name order, the affected ones among
 * the rest as in Kratix's queue (the engine's own enqueues on the PATCH
 * cannot run them first). Its times count from that moment.
 *
 * Setup is not measured: objects are written in bulk transactions as the
 * store writes them (bulkCreate.ts), and the engine places everything
 * before the change. Peak RSS is the whole process's: the backend runs in
 * it. Full size, from the repo root (many minutes; nice it on a shared box):
 *
 *   BENCH_DESTINATIONS=10000 BENCH_GROUPS=100000 BENCH_AFFECTED=1000 \
 *     nice yarn bench:labelchange
 *
 * Also BENCH_SEED (42), BENCH_CHUNK (1000 objects per setup transaction),
 * BENCH_RELEASE_MS (the baseline's wait before every
 * Work is due; by default five times the first PATCH, at least 2 s).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import { KubeObject, WorkObject } from '@kratix-backstage/plugin-kratix-common';
import {
  engineIdle,
  listFiles,
  LogRecord,
  startKratixBackend,
  tempDir,
} from '../src/__testUtils__/testBackend';
import { bulkCreate } from './bulkCreate';
import { patchFromOutside } from './outsideClient';
import { QueueClaims } from './queueClaims';
import { RssSampler } from './rssSampler';
import { RecordingMetrics } from './recordingMetrics';
import {
  buildWorld,
  expectedFiles,
  LabelChangeWorld,
  TARGET_LABEL,
} from './labelChangeWorld';
import { envInt, formatMs, mulberry32 } from './labelWorld';

const DESTINATIONS = envInt('BENCH_DESTINATIONS', 1000);
const GROUPS = envInt('BENCH_GROUPS', 10_000);
const AFFECTED = envInt('BENCH_AFFECTED', 100);
const SEED = envInt('BENCH_SEED', 42);
const RELEASE_MS = process.env.BENCH_RELEASE_MS
  ? envInt('BENCH_RELEASE_MS', 2000)
  : undefined;
/** Objects per setup transaction; setup waits until fewer are unreconciled. */
const CHUNK = envInt('BENCH_CHUNK', 1000);
const RECONCILES = 'kratix.controller.reconciles';
const DESTINATIONS_PATH = '/apis/platform.kratix.io/v1alpha1/destinations';
/** Setup waits: generous, since a full-size world takes many minutes. */
const SETUP_TIMEOUT_MS = 6 * 60 * 60 * 1000;

jest.setTimeout(12 * 60 * 60 * 1000);

const benchStart = performance.now();
/** The backend's log, for the progress lines. */
let backendLogs: LogRecord[] = [];
let logsSeen = 0;

interface ChangeRun {
  patchMs: number;
  lastFileMs: number;
  allReconciledMs?: number;
  /** The engine's count (its metric); 0 where the metric is missing. */
  works: number;
  /** Claims of `work/` keys in the queue: one per reconcile, counted from SQL. */
  workClaims: number;
  placements: number;
  /** Baseline: from the PATCH to every Work being due. */
  releaseAfterMs?: number;
  peakRssMb: number;
}

it(`one label change affecting ${AFFECTED} of ${GROUPS} groups on ${DESTINATIONS} destinations`, async () => {
  const rss = new RssSampler();
  const dir = tempDir('kratix-bench-labelchange-');
  const stateStoreRoot = path.join(dir, 'statestore');
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'kratix.sqlite') },
    useNullAsDefault: true,
  });
  const metrics = new RecordingMetrics();
  const claims = new QueueClaims(knex);
  const phases: [string, number][] = [];
  const phase = async <T>(name: string, fn: () => Promise<T>) => {
    const start = performance.now();
    const result = await fn();
    phases.push([name, performance.now() - start]);
    progress(`${name}: ${formatMs(performance.now() - start)}`);
    return result;
  };

  const world = await phase('generate the world', async () =>
    buildWorld(mulberry32(SEED), {
      destinations: DESTINATIONS,
      groups: GROUPS,
      affected: AFFECTED,
    }),
  );
  const backend = await phase('start the backend', () =>
    startKratixBackend({
      knex,
      stateStoreRoot,
      features: [metrics.factory()],
    }),
  );
  backendLogs = backend.logs;
  try {
    await phase(`create ${DESTINATIONS} destinations, until Ready`, () =>
      createAndSettle(knex, world.destinations),
    );
    await phase(`create ${GROUPS} Works, until all placed and written`, () =>
      createAndSettle(knex, world.works),
    );
    await phase('check the placements', () =>
      checkPlaced(knex, stateStoreRoot, world),
    );
    await phase('warm the API up', () => warmUp(backend, knex));
    const setupRss = rss.reset();
    const steadyRssMb = rss.now();

    const [oursTarget, baselineTarget] = world.changed;
    const context = {
      backend,
      metrics,
      claims,
      rss,
      knex,
      stateStoreRoot,
      world,
    };
    const ours = await measureChange({ ...context, destination: oursTarget });
    const baseline = await measureChange({
      ...context,
      destination: baselineTarget,
      reconcileEveryWork: true,
      releaseAfterMs: RELEASE_MS ?? Math.max(2000, 5 * ours.patchMs),
    });

    printReport({
      world,
      phases,
      setupPeakRssMb: setupRss,
      steadyRssMb,
      ours,
      baseline,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    });
    expect(ours.workClaims).toBeGreaterThanOrEqual(AFFECTED);
    expect(baseline.workClaims).toBeGreaterThanOrEqual(GROUPS);
  } finally {
    rss.stop();
    await backend.stop();
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Writes the objects a chunk at a time, letting the engine catch up between
 * chunks (so its queue and memory stay bounded), then waits until it has
 * reconciled them all and is idle.
 */
async function createAndSettle(knex: Knex, objects: KubeObject[]) {
  const kind = objects[0].kind;
  for (let i = 0; i < objects.length; i += CHUNK) {
    await bulkCreate(knex, objects.slice(i, i + CHUNK));
    await until(
      async () => (await unreconciled(knex, kind)) < CHUNK,
      `the engine to catch up with the ${kind}s`,
    );
    if ((i / CHUNK) % 10 === 9) progress(`${i + CHUNK} ${kind}s written`);
  }
  await until(
    async () => (await unreconciled(knex, kind)) === 0,
    `every ${kind} to be reconciled`,
  );
  await until(
    async () => (await unreconciled(knex, 'WorkPlacement')) === 0,
    'every WorkPlacement to be written',
  );
  await engineIdle(knex, SETUP_TIMEOUT_MS);
}

/** Objects of the kind without a status yet: not reconciled once. */
async function unreconciled(knex: Knex, kind: string): Promise<number> {
  const row = await knex('kratix_objects')
    .where({ kind })
    .whereRaw("json_extract(body, '$.status') is null")
    .count({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

/** Every group placed where the world says, and its file written. */
async function checkPlaced(
  knex: Knex,
  stateStoreRoot: string,
  world: LabelChangeWorld,
) {
  const rows: { body: string }[] = await knex('kratix_objects')
    .where({ kind: 'Work' })
    .select('body');
  const unplaced = rows
    .map(r => JSON.parse(r.body) as WorkObject)
    .filter(w =>
      (w.status?.workloadGroups ?? [{ destinations: [] }]).some(
        (g: { destinations?: string[] }) => !g.destinations?.length,
      ),
    );
  if (rows.length !== world.works.length || unplaced.length) {
    throw new Error(
      `setup: ${rows.length} Works stored, ${unplaced.length} not placed, e.g. ${unplaced[0]?.metadata.name}`,
    );
  }
  const placements = await countPlacements(knex);
  if (placements !== world.works.length) {
    throw new Error(
      `setup: ${placements} WorkPlacements, expected one per group (${world.works.length})`,
    );
  }
  const missing = world.affected
    .flatMap(w => expectedFiles(w, world.host))
    .filter(f => !fs.existsSync(path.join(stateStoreRoot, f)));
  if (missing.length) {
    throw new Error(
      `setup: ${missing.length} files missing, e.g. ${missing[0]}`,
    );
  }
}

async function countPlacements(knex: Knex): Promise<number> {
  const row = await knex('kratix_objects')
    .where({ kind: 'WorkPlacement' })
    .count({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

/**
 * PATCHes the target label onto the destination through the API and waits
 * until every affected group's file is on it and the engine is idle. The
 * last file's time is its mtime, so waiting costs the engine nothing.
 */
async function measureChange(options: {
  backend: Awaited<ReturnType<typeof startKratixBackend>>;
  metrics: RecordingMetrics;
  claims: QueueClaims;
  rss: RssSampler;
  knex: Knex;
  stateStoreRoot: string;
  world: LabelChangeWorld;
  destination: string;
  reconcileEveryWork?: boolean;
  releaseAfterMs?: number;
}): Promise<ChangeRun> {
  const {
    backend,
    metrics,
    claims,
    rss,
    knex,
    stateStoreRoot,
    world,
    destination,
  } = options;
  const expected = world.affected.flatMap(w => expectedFiles(w, destination));
  const destinationDir = path.join(stateStoreRoot, destination);
  const filesBefore = listFiles(destinationDir);
  const placementsBefore = await countPlacements(knex);
  const worksBefore = metrics.sum(RECONCILES, { controller: 'work' });
  const claimsBefore = claims.count('work');
  // Kratix's trigger: every Work due at one moment, shortly after the
  // PATCH, the affected among them in name order with the rest. Held by a
  // phantom claim until then, so the engine's own enqueues of the affected
  // Works on the PATCH cannot run them first.
  const release = options.reconcileEveryWork
    ? await holdEveryWork(knex, world, options.releaseAfterMs ?? 0)
    : undefined;
  rss.reset();

  const response = await patchFromOutside(
    `${backend.baseUrl}${DESTINATIONS_PATH}/${destination}`,
    { metadata: { labels: TARGET_LABEL } },
  );
  const startWall = response.sentAt;
  const start = performance.now() - (Date.now() - startWall);
  const patchMs = response.ms;
  if (response.status !== 200) {
    throw new Error(
      `PATCH ${destination}: ${response.status} ${response.text}`,
    );
  }
  if (release && Date.now() >= release.wall) {
    throw new Error(
      `the PATCH took ${patchMs} ms, past the Works' release: raise BENCH_RELEASE_MS`,
    );
  }
  // Times count from the change, or for the baseline from the moment every
  // Work was due (Kratix enqueues them as the change arrives).
  const fromWall = release?.wall ?? startWall;
  const fromPerf = release ? start + (release.wall - startWall) : start;
  await until(
    async () =>
      expected.every(f => fs.existsSync(path.join(stateStoreRoot, f))),
    `the ${expected.length} files on ${destination}`,
  );
  await engineIdle(knex, SETUP_TIMEOUT_MS);
  const peakRssMb = rss.reset();

  const lastFileMs =
    Math.max(
      ...expected.map(f => fs.statSync(path.join(stateStoreRoot, f)).mtimeMs),
    ) - fromWall;
  const added = listFiles(destinationDir).filter(f => !filesBefore.includes(f));
  const wanted = expected.map(f => path.relative(destination, f)).sort();
  if (JSON.stringify(added.sort()) !== JSON.stringify(wanted)) {
    throw new Error(
      `${destination}: ${added.length} new files, expected exactly the ${wanted.length} affected groups' files`,
    );
  }
  const lastWorkAt = metrics.lastAddAt(RECONCILES, { controller: 'work' });
  return {
    patchMs,
    lastFileMs,
    allReconciledMs: release && lastWorkAt ? lastWorkAt - fromPerf : undefined,
    works: metrics.sum(RECONCILES, { controller: 'work' }) - worksBefore,
    workClaims: claims.count('work') - claimsBefore,
    placements: (await countPlacements(knex)) - placementsBefore,
    releaseAfterMs: release ? release.wall - startWall : undefined,
    peakRssMb,
  };
}

/**
 * The first PATCH pays for cold code paths; a label no selector mentions,
 * on the tutorial's worker-1, changes no placement.
 */
async function warmUp(
  backend: Awaited<ReturnType<typeof startKratixBackend>>,
  knex: Knex,
) {
  const response = await backend.api.patch(`${DESTINATIONS_PATH}/worker-1`, {
    metadata: { labels: { benchWarmUp: 'done' } },
  });
  if (response.status !== 200) {
    throw new Error(`warm-up PATCH: ${response.status} ${response.text}`);
  }
  await engineIdle(knex, SETUP_TIMEOUT_MS);
}

const PHANTOM = 'bench-phantom-claim';

/**
 * Queues every Work as claimed by a replica that is gone, its lease ending
 * `afterMs` from now: at that moment all become due together, taken in name
 * order, as the queue orders equal due times. Enqueues meanwhile only mark
 * a claimed key for a re-run, which a taken-over lease drops (the new claim
 * covers them), so each Work runs once.
 */
async function holdEveryWork(
  knex: Knex,
  world: LabelChangeWorld,
  afterMs: number,
): Promise<{ wall: number }> {
  const parked = Date.now() + 60 * 60 * 1000;
  const rows = world.works.map(w => ({
    key: `work/${w.metadata.namespace}/${w.metadata.name}`,
    queue: 'work',
    due_at: parked,
    attempts: 0,
    claim_token: PHANTOM,
    lease_until: parked,
  }));
  await knex.transaction(async tx => {
    for (let i = 0; i < rows.length; i += 500) {
      await tx('kratix_queue')
        .insert(rows.slice(i, i + 500))
        .onConflict('key')
        .merge();
    }
  });
  // One statement, so the release time is set after the slow part.
  const wall = Date.now() + afterMs;
  await knex('kratix_queue')
    .where({ claim_token: PHANTOM })
    .update({ due_at: wall, lease_until: wall });
  return { wall };
}

function printReport(r: {
  world: LabelChangeWorld;
  phases: [string, number][];
  setupPeakRssMb: number;
  steadyRssMb: number;
  ours: ChangeRun;
  baseline: ChangeRun;
  maxRssMb: number;
}) {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (a: number, b: number) =>
    b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a';
  const { ours, baseline } = r;
  const works = (run: ChangeRun) =>
    run.works || baseline.works ? fmt(run.works) : 'no metric';
  const rows = [
    [
      '',
      'PATCH → last file',
      'Works reconciled (metric)',
      'work claims',
      'new placements',
      'peak RSS',
    ],
    [
      'ours (index: affected Works only)',
      formatMs(ours.lastFileMs),
      works(ours),
      fmt(ours.workClaims),
      fmt(ours.placements),
      `${fmt(ours.peakRssMb)} MB`,
    ],
    [
      "Kratix's trigger (every Work)",
      formatMs(baseline.lastFileMs),
      works(baseline),
      fmt(baseline.workClaims),
      fmt(baseline.placements),
      `${fmt(baseline.peakRssMb)} MB`,
    ],
    [
      'Kratix / ours',
      ratio(baseline.lastFileMs, ours.lastFileMs),
      ratio(baseline.works, ours.works),
      ratio(baseline.workClaims, ours.workClaims),
      '',
      '',
    ],
  ];
  const width = rows[0].map((_, c) =>
    Math.max(...rows.map(row => row[c].length)),
  );
  const table = rows.map(row =>
    row
      .map((cell, c) =>
        c === 0 ? cell.padEnd(width[c]) : cell.padStart(width[c]),
      )
      .join('   '),
  );
  const lines = [
    '',
    'Kratix label-change bench: end to end (HTTP API, SQLite, queue, controllers, filesystem state store)',
    `  node ${process.version}, ${os.cpus().length} CPUs (${
      os.cpus()[0]?.model ?? 'unknown'
    }), seed ${SEED}`,
    `  ${fmt(r.world.destinations.length)} destinations (+ worker-1), ${fmt(
      r.world.works.length,
    )} Works of one placed group each; the change: ${
      r.world.changed[0]
    } gains benchTarget=on, which ${fmt(
      r.world.affected.length,
    )} dependency groups ask for (placed on ${r.world.host})`,
    '  setup, not measured:',
    ...r.phases.map(([name, ms]) => `    ${name}: ${formatMs(ms)}`),
    `  RSS: ${fmt(r.setupPeakRssMb)} MB peak during setup, ${fmt(
      r.steadyRssMb,
    )} MB once everything is placed, ${fmt(r.maxRssMb)} MB max over the run`,
    '',
    ...table.map(line => `  ${line}`),
    '',
    `  PATCH answered in ${formatMs(ours.patchMs)} (ours), ${formatMs(
      baseline.patchMs,
    )} (baseline)`,
    `  baseline: ${r.world.changed[1]} gains the label; all ${fmt(
      r.world.works.length,
    )} Works due at once ${formatMs(
      baseline.releaseAfterMs ?? 0,
    )} after the PATCH, times counted from then; every Work re-reconciled after ${
      baseline.allReconciledMs === undefined
        ? 'n/a'
        : formatMs(baseline.allReconciledMs)
    }`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** Progress on stderr, for runs that take many minutes. */
function progress(what: string) {
  const { rss, heapUsed } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  // What the backend warned about since the last line: a stall shows why.
  const fresh = backendLogs
    .slice(logsSeen)
    .filter(r => r.level === 'warn' || r.level === 'error');
  logsSeen = backendLogs.length;
  const warnings = fresh.length
    ? `; ${fresh.length} backend warnings/errors, last: ${fresh[
        fresh.length - 1
      ].message.slice(0, 300)}`
    : '';
  process.stderr.write(
    `[${formatMs(performance.now() - benchStart)}, RSS ${mb(rss)} MB, heap ${mb(
      heapUsed,
    )} MB] ${what}${warnings}\n`,
  );
}

async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  let nextReport = Date.now() + 30_000;
  for (;;) {
    const start = performance.now();
    if (await check()) return;
    // The checks scan every object of a kind, in the backend's own process:
    // at 100,000 Works a poll every 200 ms would take most of its time.
    const checkMs = performance.now() - start;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (Date.now() > nextReport) {
      progress(`waiting for ${what}`);
      nextReport = Date.now() + 30_000;
    }
    await new Promise(resolve =>
      setTimeout(resolve, Math.max(200, 10 * checkMs)),
    );
  }
}

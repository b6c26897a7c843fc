/*
 * One Destination label change, two ways of finding out what it does:
 *
 * - ours: ask the SchedulingIndex which groups the change can affect, then
 *   re-evaluate just those against the changed destination;
 * - Kratix's: what its controller does on any Destination event, enqueue
 *   every Work and list every destination for each of its groups, i.e.
 *   evaluate every group against every destination.
 *
 * Both use the same `matchesDestination`, and both counts are exact. Kratix's
 * time is extrapolated from a random sample of groups when the full pass
 * would blow the time budget (1e9 evaluations at full size); the table says
 * so. Only the matching work is compared: Kratix's API round-trips, queueing
 * and our own database reads are left out of both sides.
 *
 * Run with `yarn bench:scheduler` (in Jest), or outside Jest's VM sandbox,
 * whose global lookups slow every evaluation down several times, with
 * `node -r @backstage/cli/config/nodeTransform.cjs bench/scheduler.bench.ts`
 * from plugins/kratix-backend. Sizes: BENCH_DESTINATIONS (10000),
 * BENCH_GROUPS (100000); also BENCH_SEED (42), BENCH_KRATIX_BUDGET_S (60),
 * BENCH_VERIFY_SAMPLE (500).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  candidateDestinations,
  decideSchedule,
  DestinationCandidate,
  Labels,
  matchesDestination,
} from '@kratix-backstage/plugin-kratix-common';
import {
  IndexedGroup,
  SchedulingIndex,
} from '../src/controllers/schedulingIndex';

const DESTINATIONS = envInt('BENCH_DESTINATIONS', 10_000);
const GROUPS = envInt('BENCH_GROUPS', 100_000);
const SEED = envInt('BENCH_SEED', 42);
const KRATIX_BUDGET_MS = envInt('BENCH_KRATIX_BUDGET_S', 60) * 1000;
const VERIFY_SAMPLE = envInt('BENCH_VERIFY_SAMPLE', 500);
/**
 * Repeats of our side, whose single run is too short to time reliably; the
 * first (cold) run is reported too, since an engine meets each change once.
 */
const OUR_REPEATS = 101;
/** How long the sampled Kratix pass should take when sampling is needed. */
const KRATIX_SAMPLE_TARGET_MS = 10_000;

type Weighted<T> = readonly (readonly [T, number])[];

const ENVIRONMENTS: Weighted<string> = [
  ['dev', 30],
  ['test', 20],
  ['staging', 15],
  ['prod', 35],
];
const REGIONS = [
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'sa-east-1',
];
const ZONE_SUFFIXES = ['a', 'b', 'c'];
const TEAMS = Array.from(
  { length: 40 },
  (_, i) => `team-${String(i + 1).padStart(2, '0')}`,
);
const TIERS: Weighted<string> = [
  ['gold', 20],
  ['silver', 40],
  ['bronze', 40],
];
const PV_CAPACITIES: Weighted<string> = [
  ['small', 40],
  ['medium', 30],
  ['large', 20],
  ['xlarge', 10],
];
/** How often selectors mention each key: env most, zone least. */
const SELECTOR_KEYS: Weighted<string> = [
  ['env', 35],
  ['region', 20],
  ['team', 15],
  ['tier', 12],
  ['pvCapacity', 12],
  ['zone', 6],
];
const PAIRS_PER_SELECTOR: Weighted<number> = [
  [1, 50],
  [2, 35],
  [3, 15],
];
const DEPENDENCY_SHARE = 0.02;
/** Resource groups asking for something no destination has: stay unscheduled. */
const UNSCHEDULABLE_SHARE = 0.03;

interface World {
  destinations: DestinationCandidate[];
  groups: IndexedGroup[];
  index: SchedulingIndex;
  setupMs: number;
}

const IN_JEST = typeof describe === 'function';

if (IN_JEST) {
  describe('scheduler bench', () => {
    it(
      'one destination label change: SchedulingIndex vs. every group against every destination',
      () => expect(runBench()).toEqual([]),
      30 * 60 * 1000,
    );
  });
} else {
  const mismatches = runBench();
  if (mismatches.length > 0) {
    process.stderr.write(`${mismatches.join('\n')}\n`);
    process.exitCode = 1;
  }
}

/** Prints the report; returns the groups where ours and the brute force disagree. */
function runBench(): string[] {
  const random = mulberry32(SEED);
  const world = buildWorld(random);
  const groupByRef = new Map(world.groups.map(g => [g.ref, g]));

  const changedAt = pickChangedDestination(random, world.destinations);
  const before = world.destinations[changedAt];
  const newEnv = pickWeighted(
    random,
    ENVIRONMENTS.filter(([env]) => env !== before.labels.env),
  );
  const after: DestinationCandidate = {
    ...before,
    labels: { ...before.labels, env: newEnv },
  };
  const destinationsAfter = world.destinations.slice();
  destinationsAfter[changedAt] = after;

  // (a) ours
  const ourRun = () => {
    const impact = world.index.affectedByDestinationChange(before, after);
    let evaluations = impact.evaluations;
    for (const ref of impact.refs) {
      evaluations++;
      matchesDestination(groupByRef.get(ref)!.resolved, after);
    }
    return { impact, evaluations };
  };
  const firstStart = performance.now();
  const ours = ourRun();
  const ourFirstMs = performance.now() - firstStart;
  const ourTimes: number[] = [];
  for (let i = 0; i < OUR_REPEATS; i++) {
    const start = performance.now();
    ourRun();
    ourTimes.push(performance.now() - start);
  }
  const ourMs = median(ourTimes);
  world.index.upsertDestination(after);

  // (b) Kratix's algorithm, over precomputed arrays
  const resolved = world.groups.map(g => g.resolved);
  const kratix = timeKratix(random, resolved, destinationsAfter);

  // Same decisions: every sampled group's brute-force decision changes
  // exactly when ours reports it. Our refs are all sampled, so a false
  // positive would show as well as a missed random one.
  const verifySample = new Set<IndexedGroup>(
    ours.impact.refs.map(ref => groupByRef.get(ref)!),
  );
  for (const i of sampleIndices(random, world.groups.length, VERIFY_SAMPLE)) {
    verifySample.add(world.groups[i]);
  }
  const reported = new Set(ours.impact.refs);
  const mismatches: string[] = [];
  let changedInSample = 0;
  for (const group of verifySample) {
    const changed =
      decision(group, world.destinations) !==
      decision(group, destinationsAfter);
    if (changed) changedInSample++;
    if (changed !== reported.has(group.ref)) {
      mismatches.push(
        `${group.ref}: brute force ${changed ? 'changed' : 'unchanged'}`,
      );
    }
  }

  printReport({
    world,
    change: `${before.name} env=${before.labels.env} -> env=${after.labels.env}`,
    ours: {
      evaluations: ours.evaluations,
      indexEvaluations: ours.impact.evaluations,
      ms: ourMs,
      firstMs: ourFirstMs,
      affected: summarize(
        ours.impact.refs.map(ref => groupByRef.get(ref)!),
        before.name,
      ),
    },
    kratix,
    verified: {
      groups: verifySample.size,
      changed: changedInSample,
      mismatches: mismatches.length,
    },
  });
  return mismatches;
}

interface Report {
  world: World;
  change: string;
  ours: {
    evaluations: number;
    indexEvaluations: number;
    ms: number;
    firstMs: number;
    affected: ReturnType<typeof summarize>;
  };
  kratix: KratixTiming;
  verified: { groups: number; changed: number; mismatches: number };
}

function printReport({ world, change, ours, kratix, verified }: Report) {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (a: number, b: number) =>
    b > 0 ? `${fmt(a / b)}×` : 'n/a (ours is 0)';
  const kratixEvaluations = world.groups.length * world.destinations.length;
  const population = summarize(world.groups, undefined);
  const { affected } = ours;
  const runtime = IN_JEST
    ? "inside Jest's VM sandbox (slower global lookups, both sides alike)"
    : 'plain node';
  const cpu = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${
    os.cpus().length
  } CPUs`;
  const kratixTime = kratix.sampled
    ? `${formatMs(kratix.fullMs)} (extrapolated from ${fmt(
        kratix.sampledGroups,
      )} sampled groups, ${formatMs(kratix.sampleMs)})`
    : `${formatMs(kratix.fullMs)} (measured, all groups)`;
  const kratixPerformed = kratix.sampled
    ? `${fmt(
        kratix.performed,
      )} (sampled; the full algorithm makes exactly ${fmt(kratixEvaluations)})`
    : fmt(kratix.performed);
  const verdict =
    verified.mismatches === 0
      ? 'same set as ours'
      : `${verified.mismatches} MISMATCHES`;

  const rows = [
    ['', 'evaluations', 'time'],
    [
      'ours (index + re-evaluation)',
      fmt(ours.evaluations),
      `${formatMs(ours.ms)} (median of ${OUR_REPEATS}; first run ${formatMs(
        ours.firstMs,
      )})`,
    ],
    [
      'Kratix (every group × every destination)',
      fmt(kratixEvaluations),
      kratixTime,
    ],
    [
      'Kratix / ours',
      ratio(kratixEvaluations, ours.evaluations),
      ratio(kratix.fullMs, ours.ms),
    ],
  ];
  const width = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)));
  const table = rows.map(r =>
    r
      .map((cell, c) =>
        c === 0 ? cell.padEnd(width[c]) : cell.padStart(width[c]),
      )
      .join('   '),
  );

  const lines = [
    '',
    'Kratix scheduler bench: one Destination label change',
    `  node ${
      process.version
    }, ${os.platform()} ${os.arch()}, ${cpu}, ${runtime}`,
    `  seed ${SEED}; ${fmt(world.destinations.length)} destinations; ${fmt(
      world.groups.length,
    )} groups: ${fmt(population.dependency)} dependency, ${fmt(
      population.placedResource,
    )} placed resource, ${fmt(
      population.unscheduledResource,
    )} unscheduled resource`,
    `  change: ${change}`,
    `  setup (generate, index, place): ${formatMs(
      world.setupMs,
    )}, not measured below`,
    '',
    ...table.map(line => `  ${line}`),
    '',
    `  affected groups: ${fmt(affected.count)}: ${fmt(
      affected.dependency,
    )} dependency, ${fmt(
      affected.placedHere,
    )} resource placed on the changed destination, ${fmt(
      affected.unscheduledResource,
    )} unscheduled resource`,
    `  ours: ${fmt(ours.indexEvaluations)} index evaluations + ${fmt(
      affected.count,
    )} re-evaluations`,
    `  Kratix evaluations performed: ${kratixPerformed}`,
    `  decisions checked by brute force on ${fmt(
      verified.groups,
    )} groups (all ${fmt(affected.count)} reported + ${fmt(
      VERIFY_SAMPLE,
    )} random): ${fmt(verified.changed)} changed, ${verdict}`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function buildWorld(random: () => number): World {
  const start = performance.now();
  const index = new SchedulingIndex();
  const destinations: DestinationCandidate[] = [];
  for (let i = 0; i < DESTINATIONS; i++) {
    const destination = makeDestination(random, i);
    destinations.push(destination);
    index.upsertDestination(destination);
  }

  // Many groups share a selector; placing them needs its candidates once.
  const candidatesBySelector = new Map<string, DestinationCandidate[]>();
  const groups: IndexedGroup[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const isDependency = random() < DEPENDENCY_SHARE;
    const resolved =
      !isDependency && random() < UNSCHEDULABLE_SHARE
        ? { ...makeSelector(random), pvCapacity: 'xxlarge' }
        : makeSelector(random);
    const key = JSON.stringify(resolved);
    let candidates = candidatesBySelector.get(key);
    if (!candidates) {
      candidates = candidateDestinations(resolved, destinations);
      candidatesBySelector.set(key, candidates);
    }
    let placedOn: string[];
    if (isDependency) {
      placedOn = candidates.map(d => d.name);
    } else if (candidates.length > 0) {
      placedOn = [candidates[Math.floor(random() * candidates.length)].name];
    } else {
      placedOn = [];
    }
    const group: IndexedGroup = {
      ref: `ns-${i % 50}/work-${i}/5058f`,
      resolved,
      isDependency,
      placedOn,
    };
    groups.push(group);
    index.upsertGroup(group);
  }
  return { destinations, groups, index, setupMs: performance.now() - start };
}

function makeDestination(
  random: () => number,
  i: number,
): DestinationCandidate {
  const region = pick(random, REGIONS);
  const labels: Labels = {
    env: pickWeighted(random, ENVIRONMENTS),
    region,
    zone: `${region}${pick(random, ZONE_SUFFIXES)}`,
  };
  if (random() < 0.7) labels.team = pick(random, TEAMS);
  if (random() < 0.6) labels.tier = pickWeighted(random, TIERS);
  if (random() < 0.5) labels.pvCapacity = pickWeighted(random, PV_CAPACITIES);
  return {
    name: `worker-${String(i).padStart(5, '0')}`,
    labels,
    strictMatchLabels: random() < 0.05,
    dryRun: random() < 0.01,
  };
}

function makeSelector(random: () => number): Labels {
  const count = pickWeighted(random, PAIRS_PER_SELECTOR);
  const keys = new Set<string>();
  while (keys.size < count) keys.add(pickWeighted(random, SELECTOR_KEYS));
  const selector: Labels = {};
  // Region before zone, so a zone asked for lies in the region asked for.
  for (const key of ['env', 'region', 'team', 'tier', 'pvCapacity', 'zone']) {
    if (!keys.has(key)) continue;
    switch (key) {
      case 'env':
        selector.env = pickWeighted(random, ENVIRONMENTS);
        break;
      case 'region':
        selector.region = pick(random, REGIONS);
        break;
      case 'team':
        selector.team = pick(random, TEAMS);
        break;
      case 'tier':
        selector.tier = pickWeighted(random, TIERS);
        break;
      case 'pvCapacity':
        selector.pvCapacity = pickWeighted(random, PV_CAPACITIES);
        break;
      default:
        selector.zone = `${selector.region ?? pick(random, REGIONS)}${pick(
          random,
          ZONE_SUFFIXES,
        )}`;
    }
  }
  return selector;
}

/** A plain destination: the common case, not a strict or dry-run one. */
function pickChangedDestination(
  random: () => number,
  destinations: DestinationCandidate[],
): number {
  for (;;) {
    const i = Math.floor(random() * destinations.length);
    const d = destinations[i];
    if (!d.strictMatchLabels && !d.dryRun && !d.deleting) return i;
  }
}

interface KratixTiming {
  sampled: boolean;
  sampledGroups: number;
  performed: number;
  sampleMs: number;
  fullMs: number;
}

/**
 * Kratix's pass: for each group, every destination is listed and matched,
 * then the deleting and dry-run ones are dropped, as `candidateDestinations`
 * does. A small calibration run (which also warms the JIT) decides whether
 * the full pass fits the budget.
 */
function timeKratix(
  random: () => number,
  resolved: Labels[],
  destinations: DestinationCandidate[],
): KratixTiming {
  const pass = (indices: Int32Array) => {
    let performed = 0;
    let candidates = 0;
    const start = performance.now();
    for (let k = 0; k < indices.length; k++) {
      const selector = resolved[indices[k]];
      for (let d = 0; d < destinations.length; d++) {
        performed++;
        const destination = destinations[d];
        if (
          matchesDestination(selector, destination) &&
          !destination.deleting &&
          !destination.dryRun
        ) {
          candidates++;
        }
      }
    }
    const ms = performance.now() - start;
    // Keeps the loop's result observable so it cannot be optimised away.
    if (candidates < 0) throw new Error('unreachable');
    return { performed, ms };
  };

  const total = resolved.length;
  const calibration = pass(sampleIndices(random, total, Math.min(total, 200)));
  const projectedMs = (calibration.ms / Math.min(total, 200)) * total;
  if (projectedMs <= KRATIX_BUDGET_MS) {
    const all = pass(Int32Array.from({ length: total }, (_, i) => i));
    return {
      sampled: false,
      sampledGroups: total,
      performed: all.performed,
      sampleMs: all.ms,
      fullMs: all.ms,
    };
  }
  const size = Math.max(
    200,
    Math.min(
      total,
      Math.round((total * KRATIX_SAMPLE_TARGET_MS) / projectedMs),
    ),
  );
  const sample = pass(sampleIndices(random, total, size));
  return {
    sampled: true,
    sampledGroups: size,
    performed: sample.performed,
    sampleMs: sample.ms,
    fullMs: (sample.ms / size) * total,
  };
}

/** The engine's decision for one group, as a comparable string. */
function decision(
  group: IndexedGroup,
  destinations: DestinationCandidate[],
): string {
  const outcome = decideSchedule({
    selectors: [{ source: 'promise', matchLabels: group.resolved }],
    destinations,
    placedOn: [...group.placedOn],
    isDependency: group.isDependency,
    // All that matters is whether a resource gets a place, not which one.
    random: () => 0,
  });
  return JSON.stringify([
    outcome.place.length > 0 && !group.isDependency
      ? ['placed']
      : [...outcome.place].sort(),
    [...outcome.kept].sort(),
    [...outcome.misplaced].sort(),
    outcome.unscheduled,
  ]);
}

function summarize(groups: IndexedGroup[], placedHere: string | undefined) {
  let dependency = 0;
  let placedResource = 0;
  let unscheduledResource = 0;
  let placedOnHere = 0;
  for (const g of groups) {
    const placed = [...g.placedOn];
    if (g.isDependency) dependency++;
    else if (placed.length === 0) unscheduledResource++;
    else {
      placedResource++;
      if (placedHere !== undefined && placed.includes(placedHere))
        placedOnHere++;
    }
  }
  return {
    count: groups.length,
    dependency,
    placedResource,
    unscheduledResource,
    placedHere: placedOnHere,
  };
}

function sampleIndices(
  random: () => number,
  total: number,
  size: number,
): Int32Array {
  if (size >= total) return Int32Array.from({ length: total }, (_, i) => i);
  const chosen = new Set<number>();
  while (chosen.size < size) chosen.add(Math.floor(random() * total));
  return Int32Array.from(chosen);
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function formatMs(ms: number): string {
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function pickWeighted<T>(random: () => number, items: Weighted<T>): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1][0];
}

/** Small seeded PRNG (Mulberry32): the same world on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

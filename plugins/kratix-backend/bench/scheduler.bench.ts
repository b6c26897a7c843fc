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
  DestinationCatalog,
  DestinationCandidate,
  Labels,
  matchesDestination,
} from '@kratix-backstage/plugin-kratix-common';
import {
  IndexedGroup,
  SchedulingIndex,
} from '../src/controllers/schedulingIndex';
import {
  ENVIRONMENTS,
  envInt,
  formatMs,
  makeDestination,
  makeSelector,
  mulberry32,
  pickWeighted,
} from './labelWorld';

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
  const catalogBefore = DestinationCatalog.of(world.destinations);
  const catalogAfter = DestinationCatalog.of(destinationsAfter);
  const mismatches: string[] = [];
  let changedInSample = 0;
  for (const group of verifySample) {
    const changed =
      decision(group, catalogBefore) !== decision(group, catalogAfter);
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
  destinations: DestinationCatalog,
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

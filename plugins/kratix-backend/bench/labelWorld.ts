/*
 * Seeded label distributions for the benches: destinations labelled as a
 * fleet of clusters is (env, region, zone, often team, tier, pvCapacity)
 * and selectors asking for one to three of those keys, env most often.
 */
import {
  DestinationCandidate,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';

export type Weighted<T> = readonly (readonly [T, number])[];

export const ENVIRONMENTS: Weighted<string> = [
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

export function makeDestination(
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

export function makeSelector(random: () => number): Labels {
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

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export function pickWeighted<T>(random: () => number, items: Weighted<T>): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1][0];
}

/** Small seeded PRNG (Mulberry32): the same world on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

export function formatMs(ms: number): string {
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

import { DestinationCatalog } from './destinationCatalog';
import { explainScheduling, summarizeScheduling } from './explain';
import {
  candidateDestinations,
  decideSchedule,
  resolveSelectors,
} from './scheduling';
import { DestinationCandidate, Labels, TaggedSelector } from './types';
import { dest, promise, resourceWorkflow } from './__testUtils__/builders';

/** mulberry32: the same worlds on every run. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['env', 'zone', 'tier', 'constructor'];
const VALUES = ['a', 'b', 'c'];

function randomLabels(random: () => number, max: number): Labels {
  const labels: Labels = {};
  for (const key of KEYS) {
    if (Object.keys(labels).length < max && random() < 0.5) {
      labels[key] = VALUES[Math.floor(random() * VALUES.length)];
    }
  }
  return labels;
}

function randomDestination(random: () => number, name: string) {
  const r = random();
  return dest(name, randomLabels(random, 3), {
    ...(r < 0.1 ? { strictMatchLabels: true } : {}),
    ...(r >= 0.1 && r < 0.15 ? { dryRun: true } : {}),
    ...(r >= 0.15 && r < 0.2 ? { deleting: true } : {}),
  });
}

function randomSelectors(random: () => number): TaggedSelector[] {
  return [
    promise(randomLabels(random, 2)),
    resourceWorkflow(randomLabels(random, 2)),
  ];
}

/** Worlds of a few dozen destinations, changed as the feed would change them. */
function* worlds(count: number) {
  const random = seeded(7);
  for (let w = 0; w < count; w++) {
    const catalog = new DestinationCatalog();
    const size = Math.floor(random() * 40);
    for (let i = 0; i < size; i++) {
      catalog.upsert(
        randomDestination(random, `d-${Math.floor(random() * 60)}`),
      );
    }
    // Relabels and removals leave no trace in the index.
    for (const d of [...catalog.all()]) {
      if (random() < 0.2) catalog.remove(d.name);
      else if (random() < 0.3)
        catalog.upsert(randomDestination(random, d.name));
    }
    yield { catalog, selectors: randomSelectors(random) };
  }
}

describe('DestinationCatalog', () => {
  it('keeps destinations by name, the last write of a name winning', () => {
    const catalog = DestinationCatalog.of([
      dest('worker-2'),
      dest('worker-1', { env: 'dev' }),
      dest('worker-1', { env: 'prod' }),
    ]);
    expect(catalog.size).toBe(2);
    expect(catalog.all().map(d => d.name)).toEqual(['worker-1', 'worker-2']);
    expect(catalog.get('worker-1')?.labels).toEqual({ env: 'prod' });
    expect(catalog.matching({ env: 'dev' })).toEqual([]);
  });

  it('matches exactly what candidateDestinations picks from every destination', () => {
    for (const { catalog, selectors } of worlds(500)) {
      const resolved = resolveSelectors(selectors);
      expect(catalog.matching(resolved).map(d => d.name)).toEqual(
        candidateDestinations(resolved, catalog.all()).map(d => d.name),
      );
    }
  });

  it('summarizes exactly as the explanation over every destination does', () => {
    let unmatched = 0;
    for (const { catalog, selectors } of worlds(500)) {
      const resolved = resolveSelectors(selectors);
      const full = explainScheduling(selectors, catalog.all());
      if (!full.destinations.some(v => v.matches)) unmatched += 1;
      expect(summarizeScheduling(resolved, catalog)).toBe(full.summary);
      // As the Work controller asks: with its decision's candidates.
      const { candidates } = decideSchedule({
        selectors,
        destinations: catalog,
        placedOn: [],
        isDependency: true,
        random: () => 0,
      });
      expect(summarizeScheduling(resolved, catalog, candidates)).toBe(
        full.summary,
      );
    }
    // The worlds reach the "closest destinations" branch, not only matches.
    expect(unmatched).toBeGreaterThan(100);
  });

  it('tells whether a destination is being deleted or dry-run, as they come and go', () => {
    const going: DestinationCandidate = dest('going', {}, { deleting: true });
    const catalog = DestinationCatalog.of([dest('worker-1'), going]);
    expect(catalog.hasExcluded()).toBe(true);
    catalog.upsert({ ...going, deleting: false });
    expect(catalog.hasExcluded()).toBe(false);
    catalog.upsert(dest('dry', {}, { dryRun: true }));
    catalog.remove('dry');
    expect(catalog.hasExcluded()).toBe(false);
  });
});

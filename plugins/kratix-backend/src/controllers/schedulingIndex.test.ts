import {
  decideSchedule,
  DestinationCatalog,
  DestinationCandidate,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';
import { IndexedGroup, SchedulingIndex } from './schedulingIndex';

function destination(
  name: string,
  labels: Labels,
  extra: Partial<DestinationCandidate> = {},
): DestinationCandidate {
  return { name, labels, ...extra };
}

function resourceGroup(
  ref: string,
  resolved: Labels,
  placedOn: string[] = [],
): IndexedGroup {
  return { ref, resolved, isDependency: false, placedOn };
}

function dependencyGroup(
  ref: string,
  resolved: Labels,
  placedOn: string[] = [],
): IndexedGroup {
  return { ref, resolved, isDependency: true, placedOn };
}

function indexWith(groups: IndexedGroup[]): SchedulingIndex {
  const index = new SchedulingIndex();
  groups.forEach(g => index.upsertGroup(g));
  return index;
}

describe('SchedulingIndex', () => {
  describe('examples', () => {
    it('reports the group needing environment=dev when worker-1 gains environment=dev', () => {
      const index = indexWith([
        resourceGroup('default/redis/5058f', { environment: 'dev' }),
      ]);
      const before = destination('worker-1', {});
      const after = destination('worker-1', { environment: 'dev' });

      const impact = index.affectedByDestinationChange(before, after);

      expect(impact.refs).toEqual(['default/redis/5058f']);
      // Before is refuted by the changed key without evaluating the selector.
      expect(impact.evaluations).toBe(1);
    });

    it('does not look at a group needing team=a when environment changes', () => {
      const index = indexWith([resourceGroup('team-a', { team: 'a' })]);

      const impact = index.affectedByDestinationChange(
        destination('worker-1', { environment: 'dev', team: 'a' }),
        destination('worker-1', { environment: 'prod', team: 'a' }),
      );

      expect(impact).toEqual({ refs: [], evaluations: 0 });
    });

    it('keeps a resource placed elsewhere sticky, even when it would now match', () => {
      const index = indexWith([
        resourceGroup('placed-on-2', { environment: 'dev' }, ['worker-2']),
      ]);

      const impact = index.affectedByDestinationChange(
        destination('worker-1', {}),
        destination('worker-1', { environment: 'dev' }),
      );

      expect(impact.refs).toEqual([]);
    });

    it('reports a resource whose own destination stops or starts matching (misplaced)', () => {
      const index = indexWith([
        resourceGroup('on-1', { environment: 'dev' }, ['worker-1']),
      ]);
      const dev = destination('worker-1', { environment: 'dev' });
      const prod = destination('worker-1', { environment: 'prod' });
      const devAndTeam = destination('worker-1', {
        environment: 'dev',
        team: 'a',
      });

      expect(index.affectedByDestinationChange(dev, prod).refs).toEqual([
        'on-1',
      ]);
      expect(index.affectedByDestinationChange(prod, dev).refs).toEqual([
        'on-1',
      ]);
      expect(index.affectedByDestinationChange(dev, devAndTeam).refs).toEqual(
        [],
      );
    });

    it('reports a dependency whenever its match flips, in both directions', () => {
      const index = indexWith([
        dependencyGroup('deps', { environment: 'dev' }, ['worker-2']),
      ]);
      const dev = destination('worker-1', { environment: 'dev' });
      const prod = destination('worker-1', { environment: 'prod' });

      expect(index.affectedByDestinationChange(prod, dev).refs).toEqual([
        'deps',
      ]);
      expect(index.affectedByDestinationChange(dev, prod).refs).toEqual([
        'deps',
      ]);
    });

    it('does not report an unscheduled resource that loses a candidate', () => {
      const index = indexWith([
        resourceGroup('pending', { environment: 'dev' }),
      ]);

      const impact = index.affectedByDestinationChange(
        destination('worker-1', { environment: 'dev' }),
        destination('worker-1', { environment: 'prod' }),
      );

      expect(impact.refs).toEqual([]);
    });

    it('reports every group placed on a deleted destination, matching or not', () => {
      const index = indexWith([
        resourceGroup('res-ok', { environment: 'dev' }, ['worker-1']),
        resourceGroup('res-misplaced', { environment: 'prod' }, ['worker-1']),
        dependencyGroup('deps', {}, ['worker-1', 'worker-2']),
        resourceGroup('res-elsewhere', { environment: 'dev' }, ['worker-2']),
      ]);

      const impact = index.affectedByDestinationChange(
        destination('worker-1', { environment: 'dev' }),
        undefined,
      );

      expect(impact.refs).toEqual(['deps', 'res-misplaced', 'res-ok']);
    });

    it('treats a destination starting deletion like one that is gone', () => {
      const index = indexWith([
        resourceGroup('res', { environment: 'prod' }, ['worker-1']),
        resourceGroup('pending', { environment: 'dev' }),
      ]);
      const live = destination('worker-1', { environment: 'dev' });

      const impact = index.affectedByDestinationChange(live, {
        ...live,
        deleting: true,
      });

      expect(impact.refs).toEqual(['res']);
    });

    it('reports the unscheduled resources and dependencies a new destination matches', () => {
      const index = indexWith([
        resourceGroup('pending-dev', { environment: 'dev' }),
        resourceGroup('pending-prod', { environment: 'prod' }),
        resourceGroup('pending-any', {}),
        resourceGroup('placed-dev', { environment: 'dev' }, ['worker-2']),
        dependencyGroup('deps-dev-a', { environment: 'dev', team: 'a' }, [
          'worker-2',
        ]),
        dependencyGroup('deps-dev-b', { environment: 'dev', team: 'b' }),
      ]);

      const impact = index.affectedByDestinationChange(
        undefined,
        destination('worker-3', { environment: 'dev', team: 'a' }),
      );

      expect(impact.refs).toEqual(['deps-dev-a', 'pending-any', 'pending-dev']);
    });

    it('settles all empty selectors with two evaluations when strictMatchLabels flips', () => {
      const index = indexWith([
        dependencyGroup('deps-1', {}, ['worker-1']),
        dependencyGroup('deps-2', {}, ['worker-1']),
        resourceGroup('res-any', {}, ['worker-1']),
        resourceGroup('res-dev', { environment: 'dev' }, ['worker-1']),
      ]);
      const loose = destination('worker-1', { environment: 'dev' });
      const strict = { ...loose, strictMatchLabels: true };

      const impact = index.affectedByDestinationChange(loose, strict);

      expect(impact.refs).toEqual(['deps-1', 'deps-2', 'res-any']);
      expect(impact.evaluations).toBe(2);
    });

    it('reports a placed resource with an empty selector when its destination turns strict', () => {
      const index = indexWith([resourceGroup('res-any', {}, ['worker-1'])]);
      const loose = destination('worker-1', { environment: 'dev' });

      const impact = index.affectedByDestinationChange(loose, {
        ...loose,
        strictMatchLabels: true,
      });

      expect(impact.refs).toEqual(['res-any']);
    });

    it('reports empty selectors when a strict destination gains or loses its last label', () => {
      const index = indexWith([dependencyGroup('deps', {})]);
      const bare = destination('worker-1', {}, { strictMatchLabels: true });
      const labelled = destination(
        'worker-1',
        { environment: 'dev' },
        { strictMatchLabels: true },
      );

      expect(index.affectedByDestinationChange(bare, labelled).refs).toEqual([
        'deps',
      ]);
      expect(index.affectedByDestinationChange(labelled, bare).refs).toEqual([
        'deps',
      ]);
      expect(
        index.affectedByDestinationChange(
          destination('worker-1', {}),
          destination('worker-1', { environment: 'dev' }),
        ).refs,
      ).toEqual([]);
    });

    it('reports a placed group when its destination turns dry-run', () => {
      const index = indexWith([
        resourceGroup('normal', { environment: 'dev' }, ['worker-1']),
        resourceGroup('elsewhere', { environment: 'dev' }, ['worker-2']),
      ]);
      const live = destination('worker-1', { environment: 'dev' });

      const impact = index.affectedByDestinationChange(live, {
        ...live,
        dryRun: true,
      });

      expect(impact.refs).toEqual(['normal']);
    });

    it('reads label keys that an object prototype also has as plain keys', () => {
      const index = indexWith([
        resourceGroup('wants-dev', { environment: 'dev' }),
      ]);

      const impact = index.affectedByDestinationChange(
        destination('worker-1', { constructor: 'x' }),
        destination('worker-1', { constructor: 'y', environment: 'dev' }),
      );

      expect(impact.refs).toEqual(['wants-dev']);
    });

    it('stops watching a resource group once it is placed', () => {
      const index = indexWith([
        resourceGroup('res', { environment: 'dev' }),
        dependencyGroup('deps', { environment: 'prod' }),
      ]);

      index.upsertGroup(
        resourceGroup('res', { environment: 'dev' }, ['worker-2']),
      );

      expect(
        index.affectedByDestinationChange(
          destination('worker-1', {}),
          destination('worker-1', { environment: 'dev' }),
        ).refs,
      ).toEqual([]);

      expect(index.removeGroup('deps')).toBe(true);
      expect(index.removeGroup('deps')).toBe(false);
    });

    it('hands back the destination an upsert replaces', () => {
      const index = new SchedulingIndex();
      expect(
        index.upsertDestination(destination('a', { team: 'y' })),
      ).toBeUndefined();

      const previous = index.upsertDestination(destination('a', { team: 'x' }));

      expect(previous).toEqual(destination('a', { team: 'y' }));
      expect(index.removeDestination('a')).toEqual(
        destination('a', { team: 'x' }),
      );
      expect(index.removeDestination('a')).toBeUndefined();
    });
  });

  describe('against the brute force', () => {
    const KEYS: Record<string, string[]> = {
      env: ['dev', 'prod'],
      region: ['eu', 'us', 'ap'],
      team: ['a', 'b'],
      tier: ['gold', 'silver'],
    };
    const DESTINATION_POOL = 10;
    const GROUP_POOL = 50;

    interface World {
      random: () => number;
      index: SchedulingIndex;
      destinations: Map<string, DestinationCandidate>;
      groups: Map<string, IndexedGroup>;
    }

    function randomLabels(random: () => number, maxPairs: number): Labels {
      const labels: Labels = {};
      const count = Math.floor(random() * (maxPairs + 1));
      for (let i = 0; i < count; i++) {
        const key = pick(random, Object.keys(KEYS));
        labels[key] = pick(random, KEYS[key]);
      }
      return labels;
    }

    function randomDestination(
      random: () => number,
      name: string,
    ): DestinationCandidate {
      return {
        name,
        labels: randomLabels(random, 4),
        strictMatchLabels: random() < 0.2,
        dryRun: random() < 0.1,
      };
    }

    function randomGroup(random: () => number, ref: string): IndexedGroup {
      return {
        ref,
        resolved: random() < 0.15 ? {} : randomLabels(random, 3),
        isDependency: random() < 0.3,
        placedOn: [],
      };
    }

    /** The engine's decision for one group, as a comparable string. */
    function decision(world: World, group: IndexedGroup): string {
      const outcome = decideSchedule({
        selectors: [{ source: 'promise', matchLabels: group.resolved }],
        destinations: DestinationCatalog.of([...world.destinations.values()]),
        placedOn: [...group.placedOn],
        isDependency: group.isDependency,
        // The first candidate: in a steady state an unscheduled resource has
        // at most the changed destination as its candidate anyway.
        random: () => 0,
      });
      return JSON.stringify({
        place: [...outcome.place].sort(),
        kept: [...outcome.kept].sort(),
        misplaced: [...outcome.misplaced].sort(),
        unscheduled: outcome.unscheduled,
      });
    }

    function decisions(world: World): Map<string, string> {
      const out = new Map<string, string>();
      for (const group of world.groups.values())
        out.set(group.ref, decision(world, group));
      return out;
    }

    /**
     * What the engine does to every group until nothing changes: place what
     * can be placed, drop placements on destinations that are gone (a
     * resource losing its only placement is scheduled again on the next
     * pass). Leaves the steady state the index's rules assume.
     */
    function reconcileAll(world: World): void {
      let changed = true;
      while (changed) {
        changed = reconcilePass(world);
      }
    }

    function reconcilePass(world: World): boolean {
      let changed = false;
      for (const group of world.groups.values()) {
        const outcome = decideSchedule({
          selectors: [{ source: 'promise', matchLabels: group.resolved }],
          destinations: DestinationCatalog.of([...world.destinations.values()]),
          placedOn: [...group.placedOn],
          isDependency: group.isDependency,
          random: world.random,
        });
        const placedOn = [
          ...new Set([
            ...[...group.placedOn].filter(name => world.destinations.has(name)),
            ...outcome.place,
          ]),
        ].sort();
        if (placedOn.join() !== [...group.placedOn].sort().join()) {
          const next = { ...group, placedOn };
          world.groups.set(group.ref, next);
          world.index.upsertGroup(next);
          changed = true;
        }
      }
      return changed;
    }

    function mutate(
      random: () => number,
      d: DestinationCandidate,
    ): DestinationCandidate {
      const labels = { ...d.labels };
      const roll = random();
      if (roll < 0.6) {
        const key = pick(random, Object.keys(KEYS));
        if (labels[key] !== undefined && random() < 0.4) delete labels[key];
        else labels[key] = pick(random, KEYS[key]);
        return { ...d, labels };
      }
      if (roll < 0.7) return { ...d, labels: randomLabels(random, 4) };
      if (roll < 0.8) return { ...d, strictMatchLabels: !d.strictMatchLabels };
      if (roll < 0.9) return { ...d, dryRun: !d.dryRun };
      return { ...d, deleting: !d.deleting };
    }

    function destinationChange(
      world: World,
    ): [DestinationCandidate | undefined, DestinationCandidate | undefined] {
      const name = `dest-${Math.floor(world.random() * DESTINATION_POOL)}`;
      const before = world.destinations.get(name);
      if (!before) return [undefined, randomDestination(world.random, name)];
      if (world.random() < 0.1) return [before, undefined];
      return [before, mutate(world.random, before)];
    }

    it.each([1, 2, 3, 4, 5, 6, 7, 8])(
      'reports every group whose decision changes (seed %i)',
      seed => {
        const random = mulberry32(seed);
        const world: World = {
          random,
          index: new SchedulingIndex(),
          destinations: new Map(),
          groups: new Map(),
        };
        for (let i = 0; i < DESTINATION_POOL; i++) {
          if (random() < 0.7) {
            const d = randomDestination(random, `dest-${i}`);
            world.destinations.set(d.name, d);
            world.index.upsertDestination(d);
          }
        }
        for (let i = 0; i < GROUP_POOL; i++) {
          const g = randomGroup(random, `group-${i}`);
          world.groups.set(g.ref, g);
          world.index.upsertGroup(g);
        }
        reconcileAll(world);

        let reported = 0;
        let evaluations = 0;
        for (let step = 0; step < 300; step++) {
          if (random() < 0.15) {
            // Groups come and go between destination events.
            const ref = `group-${Math.floor(random() * GROUP_POOL)}`;
            if (world.groups.has(ref) && random() < 0.5) {
              world.groups.delete(ref);
              world.index.removeGroup(ref);
            } else {
              const g = randomGroup(random, ref);
              world.groups.set(ref, g);
              world.index.upsertGroup(g);
            }
            reconcileAll(world);
            continue;
          }

          const [before, after] = destinationChange(world);
          const decisionsBefore = decisions(world);
          const impact = world.index.affectedByDestinationChange(before, after);
          const name = (after ?? before)!.name;
          if (after) {
            world.destinations.set(name, after);
            world.index.upsertDestination(after);
          } else {
            world.destinations.delete(name);
            world.index.removeDestination(name);
          }
          const decisionsAfter = decisions(world);

          const changed = [...world.groups.keys()]
            .filter(ref => decisionsBefore.get(ref) !== decisionsAfter.get(ref))
            .sort();
          const context = { seed, step, before, after };
          // Subset is the contract; equality shows the index has no false
          // positives either, in a steady state.
          expect({ ...context, refs: impact.refs }).toEqual({
            ...context,
            refs: changed,
          });
          reported += impact.refs.length;
          evaluations += impact.evaluations;

          reconcileAll(world);
        }
        // Guards against a generator that never exercises the index.
        expect(reported).toBeGreaterThan(20);
        expect(evaluations).toBeGreaterThan(0);
      },
    );
  });
});

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** Small seeded PRNG (Mulberry32) so every run sees the same worlds. */
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

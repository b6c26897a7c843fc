import {
  candidateDestinations,
  decideSchedule,
  matchesDestination,
  pickDestination,
  resolveSelectors,
  ScheduleDecision,
  selectorsBySource,
} from './scheduling';
import { DestinationCatalog } from './destinationCatalog';
import { DestinationCandidate, SelectorSource, TaggedSelector } from './types';

import {
  dest,
  promise,
  promiseWorkflow,
  resourceWorkflow,
} from './__testUtils__/builders';

/** Always picks the first candidate, so rows read without dice. */
const first = () => 0;

interface Row {
  name: string;
  selectors: TaggedSelector[];
  destinations: DestinationCandidate[];
  placedOn?: string[];
  isDependency: boolean;
  random?: () => number;
  expected: Partial<ScheduleDecision>;
}

const rows: Row[] = [
  // Precedence
  {
    name: 'promise beats both workflows on the same key',
    selectors: [
      resourceWorkflow({ environment: 'prod' }),
      promiseWorkflow({ environment: 'staging' }),
      promise({ environment: 'dev' }),
    ],
    destinations: [
      dest('prod', { environment: 'prod' }),
      dest('staging', { environment: 'staging' }),
      dest('dev', { environment: 'dev' }),
    ],
    isDependency: true,
    expected: {
      resolved: { environment: 'dev' },
      place: ['dev'],
      unscheduled: false,
    },
  },
  {
    name: 'promise-workflow beats resource-workflow on the same key',
    selectors: [
      resourceWorkflow({ environment: 'prod' }),
      promiseWorkflow({ environment: 'staging' }),
    ],
    destinations: [
      dest('prod', { environment: 'prod' }),
      dest('staging', { environment: 'staging' }),
    ],
    isDependency: false,
    expected: { resolved: { environment: 'staging' }, place: ['staging'] },
  },
  {
    name: 'non-conflicting keys from different sources are ANDed',
    selectors: [
      promise({ environment: 'dev' }),
      resourceWorkflow({ pvCapacity: 'large' }),
    ],
    destinations: [
      dest('dev-small', { environment: 'dev' }),
      dest('prod-large', { environment: 'prod', pvCapacity: 'large' }),
      dest('dev-large', {
        environment: 'dev',
        pvCapacity: 'large',
        zone: 'eu',
      }),
    ],
    isDependency: true,
    expected: {
      resolved: { environment: 'dev', pvCapacity: 'large' },
      place: ['dev-large'],
    },
  },

  // strictMatchLabels
  {
    name: 'empty selectors skip strict destinations that carry labels',
    selectors: [],
    destinations: [
      dest(
        'strict-labelled',
        { environment: 'dev' },
        { strictMatchLabels: true },
      ),
      dest('strict-unlabelled', {}, { strictMatchLabels: true }),
      dest('relaxed-labelled', { environment: 'dev' }),
    ],
    isDependency: true,
    expected: {
      resolved: {},
      // By name: the order the catalog keeps them in.
      place: ['relaxed-labelled', 'strict-unlabelled'],
    },
  },
  {
    name: 'a strict destination takes work whose selectors it matches',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest(
        'strict',
        { environment: 'dev', zone: 'eu' },
        { strictMatchLabels: true },
      ),
    ],
    isDependency: true,
    expected: { place: ['strict'] },
  },

  // Exclusions
  {
    name: 'dry-run destinations never receive normal works',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('dry', { environment: 'dev' }, { dryRun: true }),
      dest('worker-1', { environment: 'dev' }),
    ],
    isDependency: true,
    expected: { place: ['worker-1'] },
  },
  {
    name: 'deleting destinations receive nothing new',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('going', { environment: 'dev' }, { deleting: true }),
      dest('worker-1', { environment: 'dev' }),
    ],
    isDependency: true,
    expected: { place: ['worker-1'] },
  },
  {
    name: 'a resource is unscheduled when the only match is deleting',
    selectors: [promise({ environment: 'dev' })],
    destinations: [dest('going', { environment: 'dev' }, { deleting: true })],
    isDependency: false,
    expected: { place: [], kept: [], misplaced: [], unscheduled: true },
  },

  // Empty selectors
  {
    name: 'empty selectors: a dependency goes to every destination',
    selectors: [],
    destinations: [dest('worker-1'), dest('worker-2', { environment: 'prod' })],
    isDependency: true,
    expected: { resolved: {}, place: ['worker-1', 'worker-2'] },
  },
  {
    name: 'empty selectors: a resource goes to the one the dice pick',
    selectors: [promise({})],
    destinations: [dest('worker-1'), dest('worker-2'), dest('worker-3')],
    isDependency: false,
    random: () => 0.5,
    expected: { resolved: {}, place: ['worker-2'] },
  },
  {
    name: 'no destinations at all: unscheduled',
    selectors: [],
    destinations: [],
    isDependency: false,
    expected: { place: [], unscheduled: true },
  },

  // Sticky resources
  {
    name: 'a placed resource stays put even when another destination matches',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('worker-1', { environment: 'dev' }),
      dest('worker-2', { environment: 'dev' }),
    ],
    placedOn: ['worker-2'],
    isDependency: false,
    expected: {
      place: [],
      kept: ['worker-2'],
      misplaced: [],
      unscheduled: false,
    },
  },
  {
    name: 'a placed resource whose destination stops matching is misplaced, not moved',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('worker-1', { environment: 'prod' }),
      dest('worker-2', { environment: 'dev' }),
    ],
    placedOn: ['worker-1'],
    isDependency: false,
    expected: {
      place: [],
      kept: [],
      misplaced: ['worker-1'],
      unscheduled: false,
    },
  },
  {
    name: 'a placement on a destination that became dry-run is misplaced',
    selectors: [],
    destinations: [dest('worker-1', {}, { dryRun: true })],
    placedOn: ['worker-1'],
    isDependency: false,
    expected: { kept: [], misplaced: ['worker-1'] },
  },
  {
    name: 'placements on destinations that are gone or deleting are neither kept nor misplaced',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('going', { environment: 'dev' }, { deleting: true }),
      dest('worker-2', { environment: 'dev' }),
    ],
    placedOn: ['gone', 'going'],
    isDependency: false,
    expected: { place: [], kept: [], misplaced: [], unscheduled: true },
  },

  // Dependencies follow label changes
  {
    name: 'a dependency reaches new matches, keeps matching ones, flags the rest',
    selectors: [promise({ environment: 'dev' })],
    destinations: [
      dest('worker-1', { environment: 'prod' }),
      dest('worker-2', { environment: 'dev' }),
      dest('worker-3', { environment: 'dev' }),
    ],
    placedOn: ['worker-1', 'worker-2'],
    isDependency: true,
    expected: {
      place: ['worker-3'],
      kept: ['worker-2'],
      misplaced: ['worker-1'],
      unscheduled: false,
    },
  },
  {
    name: 'a dependency whose every destination stopped matching is misplaced, not unscheduled',
    selectors: [promise({ environment: 'dev' })],
    destinations: [dest('worker-1', { environment: 'prod' })],
    placedOn: ['worker-1'],
    isDependency: true,
    expected: {
      place: [],
      kept: [],
      misplaced: ['worker-1'],
      unscheduled: false,
    },
  },

  // Directory-style groups
  {
    name: "a directory group is scheduled by its own entry alone, not the Promise's selectors",
    selectors: [resourceWorkflow({ backup: 'enabled' })],
    destinations: [
      dest('worker-1', { environment: 'dev' }),
      dest('vault', { backup: 'enabled' }),
    ],
    isDependency: false,
    expected: { resolved: { backup: 'enabled' }, place: ['vault'] },
  },

  // The seed tutorial
  {
    name: 'tutorial step 1: the Promise needs environment=dev and worker-1 has no labels',
    selectors: [promise({ environment: 'dev' })],
    destinations: [dest('worker-1')],
    isDependency: true,
    expected: {
      resolved: { environment: 'dev' },
      place: [],
      unscheduled: true,
    },
  },
  {
    name: 'tutorial step 1: after labelling worker-1 environment=dev it receives the dependencies',
    selectors: [promise({ environment: 'dev' })],
    destinations: [dest('worker-1', { environment: 'dev' })],
    isDependency: true,
    expected: { place: ['worker-1'], unscheduled: false },
  },
  {
    name: 'tutorial step 2: a data-collecting resource also needs pvCapacity=large',
    selectors: [
      promise({ environment: 'dev' }),
      resourceWorkflow({ pvCapacity: 'large' }),
    ],
    destinations: [dest('worker-1', { environment: 'dev' })],
    isDependency: false,
    expected: {
      resolved: { environment: 'dev', pvCapacity: 'large' },
      place: [],
      unscheduled: true,
    },
  },
  {
    name: 'tutorial step 2: after labelling worker-1 pvCapacity=large the resource lands there',
    selectors: [
      promise({ environment: 'dev' }),
      resourceWorkflow({ pvCapacity: 'large' }),
    ],
    destinations: [
      dest('worker-1', { environment: 'dev', pvCapacity: 'large' }),
    ],
    isDependency: false,
    expected: {
      place: ['worker-1'],
      kept: [],
      misplaced: [],
      unscheduled: false,
    },
  },
];

describe('decideSchedule', () => {
  it.each(rows.map(r => [r.name, r] as const))('%s', (_, row) => {
    const decision = decideSchedule({
      selectors: row.selectors,
      destinations: DestinationCatalog.of(row.destinations),
      placedOn: row.placedOn ?? [],
      isDependency: row.isDependency,
      random: row.random ?? first,
    });
    expect(decision).toMatchObject(row.expected);
  });

  it('is deterministic for a given random source', () => {
    const input = {
      selectors: [],
      destinations: DestinationCatalog.of([
        dest('d'),
        dest('c'),
        dest('b'),
        dest('a'),
      ]),
      placedOn: [],
      isDependency: false,
    };
    const seq = [0.1, 0.3, 0.6, 0.9];
    const picks = seq.map(
      r => decideSchedule({ ...input, random: () => r }).place,
    );
    expect(picks).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(decideSchedule({ ...input, random: () => 0.6 })).toEqual(
      decideSchedule({ ...input, random: () => 0.6 }),
    );
  });
});

describe('resolveSelectors', () => {
  it('lets the first selector of a source win a tie within that source', () => {
    expect(
      resolveSelectors([
        resourceWorkflow({ environment: 'dev' }),
        resourceWorkflow({ environment: 'prod', zone: 'eu' }),
      ]),
    ).toEqual({ environment: 'dev', zone: 'eu' });
  });

  it('tolerates a selector without matchLabels', () => {
    expect(resolveSelectors([{ source: 'promise' } as TaggedSelector])).toEqual(
      {},
    );
  });
});

describe('matchesDestination', () => {
  it('needs every resolved pair and ignores extra destination labels', () => {
    const d = dest('w', { environment: 'dev', zone: 'eu' });
    expect(matchesDestination({ environment: 'dev' }, d)).toBe(true);
    expect(matchesDestination({ environment: 'dev', zone: 'us' }, d)).toBe(
      false,
    );
  });

  it('does not look at deleting or dry-run', () => {
    expect(
      matchesDestination({}, dest('w', {}, { deleting: true, dryRun: true })),
    ).toBe(true);
  });

  it('does not match inherited object properties as labels', () => {
    expect(matchesDestination({ constructor: 'x' }, dest('w'))).toBe(false);
  });
});

describe('candidateDestinations', () => {
  it('drops deleting and dry-run destinations', () => {
    const ds = [
      dest('a'),
      dest('b', {}, { dryRun: true }),
      dest('c', {}, { deleting: true }),
      dest('d', {}, { deleting: true, dryRun: true }),
    ];
    expect(candidateDestinations({}, ds).map(d => d.name)).toEqual(['a']);
  });

  it('drops a dry-run destination even when the selector asks for its label', () => {
    const dry = dest('dry', { 'kratix.io/dry-run': 'true' }, { dryRun: true });
    expect(
      candidateDestinations({ 'kratix.io/dry-run': 'true' }, [dry]),
    ).toEqual([]);
  });
});

describe('pickDestination', () => {
  it('maps [0,1) uniformly onto the candidates', () => {
    expect(pickDestination(['a', 'b'], () => 0)).toBe('a');
    expect(pickDestination(['a', 'b'], () => 0.49)).toBe('a');
    expect(pickDestination(['a', 'b'], () => 0.5)).toBe('b');
    expect(pickDestination(['a', 'b'], () => 0.999)).toBe('b');
  });

  it('stays in range for a random source that misbehaves', () => {
    expect(pickDestination(['a', 'b'], () => 1)).toBe('b');
  });

  it('returns undefined when there is nothing to pick', () => {
    expect(pickDestination([], Math.random)).toBeUndefined();
  });
});

describe('selectorsBySource', () => {
  it("has the shape of Kratix's scheduling log", () => {
    expect(
      JSON.stringify(selectorsBySource([promise({ environment: 'dev' })])),
    ).toBe('{"promise":[{"target":{"matchLabels":{"environment":"dev"}}}]}');
  });

  it('groups by source from the highest precedence down and omits absent sources', () => {
    const bySource = selectorsBySource([
      resourceWorkflow({ pvCapacity: 'large' }),
      promise({ environment: 'dev' }),
      promise({ zone: 'eu' }),
    ]);
    expect(Object.keys(bySource)).toEqual([
      'promise',
      'resource-workflow',
    ] as SelectorSource[]);
    expect(bySource).toEqual({
      promise: [
        { target: { matchLabels: { environment: 'dev' } } },
        { target: { matchLabels: { zone: 'eu' } } },
      ],
      'resource-workflow': [
        { target: { matchLabels: { pvCapacity: 'large' } } },
      ],
    });
  });
});

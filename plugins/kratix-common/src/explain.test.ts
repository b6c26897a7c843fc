import { explainScheduling } from './explain';
import { candidateDestinations, resolveSelectors } from './scheduling';
import { TaggedSelector } from './types';

import {
  dest,
  promise,
  promiseWorkflow,
  resourceWorkflow,
} from './__testUtils__/builders';

const seedStep2 = [
  promise({ environment: 'dev' }),
  resourceWorkflow({ pvCapacity: 'large' }),
];

describe('explainScheduling', () => {
  it('explains the tutorial resource that waits for pvCapacity=large', () => {
    const explanation = explainScheduling(seedStep2, [
      dest('worker-1', { environment: 'dev' }),
    ]);
    expect(explanation).toEqual({
      resolved: { environment: 'dev', pvCapacity: 'large' },
      requirements: [
        { key: 'environment', value: 'dev', source: 'promise' },
        { key: 'pvCapacity', value: 'large', source: 'resource-workflow' },
      ],
      overridden: [],
      destinations: [
        {
          name: 'worker-1',
          matches: false,
          missing: [{ key: 'pvCapacity', value: 'large' }],
          conflicting: [],
        },
      ],
      summary:
        'needs environment=dev, pvCapacity=large; no destination has them all: worker-1 lacks pvCapacity=large',
    });
  });

  it('names the matching destinations once the labels are there', () => {
    const { summary } = explainScheduling(seedStep2, [
      dest('worker-1', { environment: 'dev', pvCapacity: 'large' }),
      dest('worker-2', { environment: 'dev', pvCapacity: 'large' }),
      dest('worker-3', { environment: 'prod' }),
    ]);
    expect(summary).toBe('2 destinations match: worker-1, worker-2');
  });

  it('names three of many matches, so a status stays small', () => {
    const fleet = Array.from({ length: 5000 }, (_, i) =>
      dest(`worker-${String(i).padStart(4, '0')}`),
    );
    expect(explainScheduling([], fleet).summary).toBe(
      '5000 destinations match: worker-0000, worker-0001, worker-0002 and 4997 more',
    );
  });

  it('uses the singular for one match', () => {
    expect(explainScheduling([], [dest('worker-1')]).summary).toBe(
      '1 destination matches: worker-1',
    );
  });

  it('shows which asks lost and to whom', () => {
    const { requirements, overridden } = explainScheduling(
      [
        resourceWorkflow({ environment: 'prod', pvCapacity: 'large' }),
        promiseWorkflow({ environment: 'staging' }),
        promise({ environment: 'dev' }),
        promise({ environment: 'qa' }),
        resourceWorkflow({ pvCapacity: 'large' }),
      ],
      [],
    );
    expect(requirements).toEqual([
      { key: 'environment', value: 'dev', source: 'promise' },
      { key: 'pvCapacity', value: 'large', source: 'resource-workflow' },
    ]);
    expect(overridden).toEqual([
      { key: 'environment', value: 'qa', source: 'promise', by: 'promise' },
      {
        key: 'environment',
        value: 'staging',
        source: 'promise-workflow',
        by: 'promise',
      },
      {
        key: 'environment',
        value: 'prod',
        source: 'resource-workflow',
        by: 'promise',
      },
    ]);
  });

  it('tells a wrong value apart from a missing label', () => {
    const { destinations, summary } = explainScheduling(seedStep2, [
      dest('worker-2', { environment: 'prod' }),
    ]);
    expect(destinations[0]).toEqual({
      name: 'worker-2',
      matches: false,
      missing: [{ key: 'pvCapacity', value: 'large' }],
      conflicting: [{ key: 'environment', required: 'dev', actual: 'prod' }],
    });
    expect(summary).toBe(
      'needs environment=dev, pvCapacity=large; no destination has them all: worker-2 has environment=prod, not dev and lacks pvCapacity=large',
    );
  });

  it('lists the closest destinations first and caps the list', () => {
    const { summary } = explainScheduling(seedStep2, [
      dest('far-1'),
      dest('far-2'),
      dest('far-3'),
      dest('close', { environment: 'dev' }),
    ]);
    expect(summary).toBe(
      'needs environment=dev, pvCapacity=large; no destination has them all: close lacks pvCapacity=large; far-1 lacks environment=dev, pvCapacity=large; far-2 lacks environment=dev, pvCapacity=large; and 1 more',
    );
  });

  it('says "it" for a single requirement', () => {
    expect(
      explainScheduling([promise({ environment: 'dev' })], [dest('worker-1')])
        .summary,
    ).toBe(
      'needs environment=dev; no destination has it: worker-1 lacks environment=dev',
    );
  });

  it('marks excluded destinations and says why they cannot take the work', () => {
    const { destinations, summary } = explainScheduling(
      [promise({ environment: 'dev' })],
      [
        dest('going', { environment: 'dev' }, { deleting: true }),
        dest('dry', { environment: 'dev' }, { dryRun: true }),
        dest('worker-1', { environment: 'prod' }),
      ],
    );
    expect(destinations.map(d => [d.name, d.matches, d.excluded])).toEqual([
      ['going', false, 'deleting'],
      ['dry', false, 'dry-run'],
      ['worker-1', false, undefined],
    ]);
    expect(summary).toBe(
      'needs environment=dev; no destination can take it: worker-1 has environment=prod, not dev; going is being deleted; dry is a dry-run destination',
    );
  });

  it('explains strictMatchLabels when nothing selects the destination', () => {
    const { destinations, summary } = explainScheduling(
      [],
      [dest('strict', { environment: 'dev' }, { strictMatchLabels: true })],
    );
    expect(destinations[0]).toMatchObject({
      matches: false,
      excluded: 'strict-match-labels',
    });
    expect(summary).toBe(
      'needs no particular labels; no destination can take it: strict has strictMatchLabels and only takes work that selects its labels',
    );
  });

  it('says so when there are no destinations', () => {
    expect(
      explainScheduling([promise({ environment: 'dev' })], []).summary,
    ).toBe('needs environment=dev; there are no destinations');
  });

  it('never disagrees with candidateDestinations', () => {
    const destinations = [
      dest('a'),
      dest('b', { environment: 'dev' }),
      dest('c', { environment: 'dev', pvCapacity: 'large' }),
      dest('d', { environment: 'dev' }, { strictMatchLabels: true }),
      dest('e', { environment: 'dev', pvCapacity: 'large' }, { dryRun: true }),
      dest(
        'f',
        { environment: 'dev', pvCapacity: 'large' },
        { deleting: true },
      ),
    ];
    const selectorSets: TaggedSelector[][] = [
      [],
      [promise({ environment: 'dev' })],
      seedStep2,
    ];
    for (const selectors of selectorSets) {
      const explained = explainScheduling(selectors, destinations)
        .destinations.filter(v => v.matches)
        .map(v => v.name);
      const scheduled = candidateDestinations(
        resolveSelectors(selectors),
        destinations,
      ).map(d => d.name);
      expect(explained).toEqual(scheduled);
    }
  });
});

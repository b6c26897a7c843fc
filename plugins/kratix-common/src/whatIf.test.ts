import {
  groupsOnWorks,
  labelChangeOutcomes,
  GroupOnWork,
  toCandidate,
} from './whatIf';

const worker1 = toCandidate({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
  metadata: { name: 'worker-1', labels: { environment: 'dev' } },
});

function group(
  id: string,
  resolvedSelectors: Record<string, string>,
  destinations: string[],
  extra: Partial<GroupOnWork> = {},
): GroupOnWork {
  return {
    namespace: 'default',
    work: `work-${id}`,
    promiseName: 'elastic-cloud',
    resourceName: 'example',
    isDependency: false,
    ...extra,
    group: {
      id,
      directory: '.',
      resolvedSelectors,
      destinations,
      misplaced: [],
      unscheduled: destinations.length === 0,
      summary: '',
    },
  };
}

describe('labelChangeOutcomes', () => {
  it("places the tutorial's pending request when worker-1 gets pvCapacity=large", () => {
    const pending = group('a', { environment: 'dev', pvCapacity: 'large' }, []);
    expect(
      labelChangeOutcomes(
        worker1,
        { environment: 'dev', pvCapacity: 'large' },
        [pending],
      ),
    ).toEqual([
      {
        namespace: 'default',
        work: 'work-a',
        promiseName: 'elastic-cloud',
        resourceName: 'example',
        workloadGroupId: 'a',
        change: 'schedule',
        destinations: [],
      },
    ]);
  });

  it('marks what is placed on the destination misplaced when a needed label goes', () => {
    const placed = group('b', { environment: 'dev' }, ['worker-1']);
    const outcomes = labelChangeOutcomes(worker1, {}, [placed]);
    expect(outcomes.map(o => [o.workloadGroupId, o.change])).toEqual([
      ['b', 'misplace'],
    ]);
  });

  it('leaves a resource placed elsewhere where it is, but sends dependencies to every match', () => {
    const resourceElsewhere = group('c', { environment: 'dev' }, ['worker-2']);
    const dependency = group('d', { pvCapacity: 'large' }, ['worker-2'], {
      isDependency: true,
      resourceName: undefined,
      namespace: 'kratix-platform-system',
    });
    const outcomes = labelChangeOutcomes(
      { ...worker1, labels: {} },
      { environment: 'dev', pvCapacity: 'large' },
      [resourceElsewhere, dependency],
    );
    expect(outcomes.map(o => [o.workloadGroupId, o.change])).toEqual([
      ['d', 'schedule'],
    ]);
  });

  it('reports nothing for a change no group cares about', () => {
    const placed = group('e', { environment: 'dev' }, ['worker-1']);
    expect(
      labelChangeOutcomes(worker1, { environment: 'dev', team: 'a' }, [placed]),
    ).toEqual([]);
  });

  it('never schedules onto a destination being deleted', () => {
    const pending = group('f', { environment: 'dev' }, []);
    expect(
      labelChangeOutcomes(
        { ...worker1, deleting: true },
        { environment: 'dev' },
        [pending],
      ),
    ).toEqual([]);
  });
});

describe('groupsOnWorks', () => {
  const status = (id: string) => ({
    id,
    directory: '.',
    resolvedSelectors: {},
    destinations: [],
    misplaced: [],
    unscheduled: true,
    summary: '',
  });

  it("takes a resource's name from its Work, or else from the Work's label, and calls the rest dependencies", () => {
    const groups = groupsOnWorks([
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Work',
        metadata: { name: 'w1', namespace: 'default' },
        spec: { promiseName: 'p', resourceName: 'r1', workloadGroups: [] },
        status: { workloadGroups: [status('a')] },
      },
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Work',
        metadata: {
          name: 'w2',
          namespace: 'default',
          labels: { 'kratix.io/resource-name': 'r2' },
        },
        spec: { promiseName: 'p', workloadGroups: [] },
        status: { workloadGroups: [status('b')] },
      },
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Work',
        metadata: { name: 'deps', namespace: 'kratix-platform-system' },
        spec: { promiseName: 'p', workloadGroups: [] },
        status: { workloadGroups: [status('c'), status('d')] },
      },
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Work',
        metadata: { name: 'not-yet-scheduled', namespace: 'default' },
        spec: { promiseName: 'p', resourceName: 'r3', workloadGroups: [] },
      },
    ]);
    expect(
      groups.map(g => [g.work, g.group.id, g.resourceName, g.isDependency]),
    ).toEqual([
      ['w1', 'a', 'r1', false],
      ['w2', 'b', 'r2', false],
      ['deps', 'c', undefined, true],
      ['deps', 'd', undefined, true],
    ]);
  });
});

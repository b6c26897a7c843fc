import * as tutorial from '../__testUtils__/tutorial';
import { describeChange, localWhatIf } from './whatIf';

describe('localWhatIf', () => {
  it('schedules the dependencies where environment=dev appears', () => {
    const changes = localWhatIf(tutorial.worker1(), { environment: 'dev' }, [tutorial.depsWork(false)]);
    expect(changes).toEqual([
      expect.objectContaining({ work: 'elastic-cloud-static-deps', change: 'schedule', destinations: [] }),
    ]);
    expect(describeChange(changes[0], 'worker-1')).toBe(
      'elastic-cloud dependencies (elastic-cloud-static-deps) would be scheduled on worker-1',
    );
  });

  it('places the pending request only once both labels hold', () => {
    const works = [tutorial.depsWork(true), tutorial.requestWork(false)];
    expect(localWhatIf(tutorial.worker1({ environment: 'dev' }), { environment: 'dev' }, works)).toEqual([]);
    const changes = localWhatIf(
      tutorial.worker1({ environment: 'dev' }),
      { environment: 'dev', pvCapacity: 'large' },
      works,
    );
    expect(changes.map(c => describeChange(c, 'worker-1'))).toEqual([
      'elastic-cloud resource default/example would be scheduled on worker-1',
    ]);
  });

  it('marks placed groups misplaced when a label they need goes', () => {
    const works = [tutorial.depsWork(true), tutorial.requestWork(true)];
    const changes = localWhatIf(tutorial.worker1({ environment: 'dev', pvCapacity: 'large' }), { environment: 'dev' }, works);
    expect(changes.map(c => describeChange(c, 'worker-1'))).toEqual([
      'elastic-cloud resource default/example would be marked misplaced on worker-1',
    ]);
  });

  it('names the destination being changed, as the backend reports where a group is now', () => {
    const pending = {
      namespace: 'default',
      work: 'example-instance-configure-1a2b3',
      promiseName: 'elastic-cloud',
      resourceName: 'example',
      workloadGroupId: tutorial.ROOT_GROUP_ID,
      change: 'schedule' as const,
      destinations: [],
    };
    expect(describeChange(pending, 'worker-1')).toBe(
      'elastic-cloud resource default/example would be scheduled on worker-1',
    );
  });
});

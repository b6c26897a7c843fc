import * as tutorial from '../__testUtils__/tutorial';
import { describeChange, localWhatIf } from './whatIf';

describe('localWhatIf', () => {
  it('schedules the dependencies where environment=dev appears', () => {
    const changes = localWhatIf(tutorial.worker1(), { environment: 'dev' }, [tutorial.depsWork(false)]);
    expect(changes).toEqual([
      expect.objectContaining({ work: 'elastic-cloud-static-deps', change: 'schedule', destinations: ['worker-1'] }),
    ]);
    expect(describeChange(changes[0])).toBe(
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
    expect(changes.map(describeChange)).toEqual([
      'elastic-cloud resource default/example would be scheduled on worker-1',
    ]);
  });

  it('marks placed groups misplaced when a label they need goes', () => {
    const works = [tutorial.depsWork(true), tutorial.requestWork(true)];
    const changes = localWhatIf(tutorial.worker1({ environment: 'dev', pvCapacity: 'large' }), { environment: 'dev' }, works);
    expect(changes.map(describeChange)).toEqual([
      'elastic-cloud resource default/example would be marked misplaced on worker-1',
    ]);
  });
});

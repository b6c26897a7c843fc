import { placedOn } from './placedOn';

describe('placedOn', () => {
  it('says an unscheduled group is not scheduled', () => {
    expect(placedOn({ unscheduled: true, destinations: [], misplaced: [] })).toBe('not scheduled');
  });

  it('lists the destinations, marking the misplaced ones', () => {
    expect(
      placedOn({ unscheduled: false, destinations: ['worker-1', 'worker-2'], misplaced: ['worker-2'] }),
    ).toBe('worker-1, worker-2 (misplaced)');
  });
});

import { workloadGroupName } from './workloadGroupName';

describe('workloadGroupName', () => {
  it('names the top-level group the default one, and any other by its directory', () => {
    expect(workloadGroupName('.')).toBe('default workload group');
    expect(workloadGroupName('backup')).toBe('workload group backup/');
  });
});

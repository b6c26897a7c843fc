import { buildWorkloadGroups, workloadGroupId } from './workloadGroups';

describe('workloadGroupId', () => {
  it('is the md5 hex of the directory, as in Kratix', () => {
    expect(workloadGroupId('.')).toBe('5058f1af8388633f609cadb75a75dc9d');
    expect(workloadGroupId('backup')).toMatch(/^[0-9a-f]{32}$/);
    expect(workloadGroupId('backup')).not.toBe(workloadGroupId('.'));
  });
});

describe('buildWorkloadGroups', () => {
  it('returns no groups for an empty output', () => {
    expect(buildWorkloadGroups([], undefined, 'resource-workflow')).toEqual([]);
  });

  it('does not let a directory claim files of a sibling sharing its prefix', () => {
    const groups = buildWorkloadGroups(
      [
        { filepath: 'backup/a.yaml', content: 'a' },
        { filepath: 'backups/b.yaml', content: 'b' },
      ],
      { directories: [{ directory: 'backup', matchLabels: { x: 'y' } }] },
      'resource-workflow',
    );
    expect(
      groups.map(g => [g.directory, g.workloads.map(w => w.filepath)]),
    ).toEqual([
      ['.', ['backups/b.yaml']],
      ['backup', ['backup/a.yaml']],
    ]);
  });
});

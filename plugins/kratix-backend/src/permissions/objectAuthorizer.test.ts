import { applyActions, updateActions } from './objectAuthorizer';

const destination = (metadata: object, spec: object = {}) => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
  metadata: { name: 'worker-1', ...metadata },
  spec,
});

describe('the write actions of a change', () => {
  it('tells a relabel from another update, and both', () => {
    const before = destination({ labels: { environment: 'dev' } });
    expect(
      updateActions(before, destination({ labels: { environment: 'prod' } })),
    ).toEqual(['label']);
    expect(
      updateActions(
        before,
        destination({ labels: { environment: 'dev' } }, { cleanup: 'all' }),
      ),
    ).toEqual(['update']);
    expect(
      updateActions(before, destination({ labels: {} }, { cleanup: 'all' })),
    ).toEqual(['label', 'update']);
  });

  it('counts only what an applied document sets, not admission defaults', () => {
    const stored = destination(
      { labels: { environment: 'dev', team: 'a' } },
      { filepath: { mode: 'nestedByMetadata' }, cleanup: 'none' },
    );
    expect(applyActions(stored, destination({}))).toEqual([]);
    expect(
      applyActions(stored, destination({ labels: { environment: 'prod' } })),
    ).toEqual(['label']);
    expect(applyActions(stored, destination({}, { cleanup: 'all' }))).toEqual([
      'update',
    ]);
  });

  it('sees a label the last apply set and this one drops', () => {
    const stored = destination({
      labels: { environment: 'dev' },
      annotations: {
        'kratix.backstage.io/last-applied-keys':
          '{"labels":["environment"],"annotations":[]}',
      },
    });
    expect(applyActions(stored, destination({}))).toEqual(['label']);
  });
});

import { DESTINATION_KIND, EVENT_KIND, POD_KIND } from '../admission/kinds';
import { matchesFields, parseFieldSelector } from './fieldSelector';

describe('parseFieldSelector', () => {
  it('reads =, == and != terms on the fields Kubernetes selects Events by', () => {
    expect(
      parseFieldSelector(
        'involvedObject.name=w,involvedObject.kind==Work,type!=Normal',
        EVENT_KIND,
      ),
    ).toEqual([
      { field: 'involvedObject.name', value: 'w', equal: true },
      { field: 'involvedObject.kind', value: 'Work', equal: true },
      { field: 'type', value: 'Normal', equal: false },
    ]);
  });

  it('refuses fields the kind cannot be selected by, and malformed terms', () => {
    expect(() => parseFieldSelector('involvedObject.name=x', POD_KIND)).toThrow(
      '"involvedObject.name" is not a known field selector',
    );
    expect(() => parseFieldSelector('reason', EVENT_KIND)).toThrow(
      'invalid fieldSelector term "reason"',
    );
  });
});

describe('matchesFields', () => {
  it('selects by metadata.name on any kind, and = or != a value', () => {
    const worker = {
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Destination',
      metadata: { name: 'worker-1' },
    };
    const byName = (text: string) =>
      matchesFields(worker, parseFieldSelector(text, DESTINATION_KIND));
    expect(byName('metadata.name=worker-1')).toBe(true);
    expect(byName('metadata.name!=worker-1')).toBe(false);
    expect(byName('metadata.namespace=')).toBe(true);
    expect(() => byName('status.phase=Running')).toThrow(
      '"status.phase" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });
});

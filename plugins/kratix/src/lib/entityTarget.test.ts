import type { Entity } from '@backstage/catalog-model';
import { isKratixEntity, kratixEntityTarget } from './entityTarget';

const entity = (annotations: Record<string, string>, name = 'x'): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, annotations },
});

describe('kratix entity annotations', () => {
  it('applies to entities with any kratix.io/ annotation only', () => {
    expect(isKratixEntity(entity({ 'kratix.io/promise-name': 'elastic-cloud' }))).toBe(true);
    expect(isKratixEntity(entity({ 'backstage.io/source-location': 'url:x' }))).toBe(false);
  });

  it('reads a resource request entity', () => {
    expect(
      kratixEntityTarget(
        entity({
          'kratix.io/type': 'resource',
          'kratix.io/promise-name': 'elastic-cloud',
          'kratix.io/api-group': 'marketplace.kratix.io',
          'kratix.io/kind': 'elastic-cloud',
          'kratix.io/name': 'example',
          'kratix.io/namespace': 'default',
        }, 'default-example'),
      ),
    ).toEqual({
      type: 'resource',
      promiseName: 'elastic-cloud',
      group: 'marketplace.kratix.io',
      kind: 'elastic-cloud',
      namespace: 'default',
      name: 'example',
    });
  });

  it('reads Promise and Destination entities, and a Promise from its name alone', () => {
    expect(kratixEntityTarget(entity({ 'kratix.io/type': 'promise', 'kratix.io/promise-name': 'elastic-cloud' }))).toEqual({
      type: 'promise',
      name: 'elastic-cloud',
    });
    expect(kratixEntityTarget(entity({ 'kratix.io/promise-name': 'elastic-cloud' }, 'elastic-cloud-promise'))).toEqual({
      type: 'promise',
      name: 'elastic-cloud',
    });
    expect(kratixEntityTarget(entity({ 'kratix.io/type': 'destination' }, 'worker-1'))).toEqual({
      type: 'destination',
      name: 'worker-1',
    });
  });
});

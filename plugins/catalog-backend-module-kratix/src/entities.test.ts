import {
  DEFAULT_ENTITY_OPTIONS,
  destinationEntity,
  entitiesOf,
  KratixModel,
  promiseEntities,
  requestEntity,
} from './entities';

const options = DEFAULT_ENTITY_OPTIONS;
const KRATIX = 'platform.kratix.io/v1alpha1';

const promise = {
  apiVersion: KRATIX,
  kind: 'Promise',
  metadata: { name: 'elastic-cloud' },
  spec: {
    api: {
      spec: {
        group: 'marketplace.kratix.io',
        names: { kind: 'elastic-cloud', plural: 'elastic-clouds' },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      enableDataCollection: {
                        type: 'boolean',
                        description: 'collect data',
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
};

const request = {
  apiVersion: 'marketplace.kratix.io/v1alpha1',
  kind: 'elastic-cloud',
  metadata: {
    name: 'example',
    namespace: 'default',
    annotations: { 'kratix.backstage.io/requested-by': 'user:default/ada' },
  },
  spec: { enableDataCollection: true },
};

function placement(destination: string, extra: Record<string, string> = {}) {
  return {
    apiVersion: KRATIX,
    kind: 'WorkPlacement',
    metadata: {
      name: `p-${destination}`,
      namespace: 'default',
      labels: extra,
    },
    spec: {
      targetDestinationName: destination,
      promiseName: 'elastic-cloud',
      resourceName: 'example',
      id: 'x',
      workloads: [],
    },
  };
}

describe('Kratix entities', () => {
  it('shows a Destination as a kratix-destination Resource with its labels, filterable and verbatim', () => {
    const entity = destinationEntity(
      {
        apiVersion: KRATIX,
        kind: 'Destination',
        metadata: {
          name: 'worker-1',
          labels: { environment: 'dev', 'kratix.io/tier': 'gold' },
        },
      },
      options,
    );
    expect(entity.kind).toBe('Resource');
    expect(entity.spec).toEqual({
      type: 'kratix-destination',
      owner: 'group:default/platform-team',
    });
    expect(entity.metadata.labels).toEqual({
      environment: 'dev',
      'kratix.io/tier': 'gold',
    });
    expect(entity.metadata.annotations).toMatchObject({
      'kratix.io/type': 'destination',
      'kratix.io/name': 'worker-1',
      'kratix.io/labels': '{"environment":"dev","kratix.io/tier":"gold"}',
    });
  });

  it('shows a Promise as a kratix-promise Component providing an API with its schema', () => {
    const [component, api] = promiseEntities(promise, options);
    expect(component.spec).toMatchObject({
      type: 'kratix-promise',
      providesApis: ['api:default/elastic-cloud'],
    });
    expect(component.metadata.annotations).toMatchObject({
      'kratix.io/type': 'promise',
      'kratix.io/promise-name': 'elastic-cloud',
      'kratix.io/api-group': 'marketplace.kratix.io',
      'kratix.io/kind': 'elastic-cloud',
    });
    expect(api.kind).toBe('API');
    const definition = JSON.parse(String(api.spec?.definition));
    expect(
      definition.components.schemas['elastic-cloud'].properties.spec.properties
        .enableDataCollection,
    ).toEqual({ type: 'boolean', description: 'collect data' });
  });

  it('gives a request its requester as owner and depends on its Promise and Destinations', () => {
    const entity = requestEntity(
      { promiseName: 'elastic-cloud', object: request },
      ['worker-1'],
      options,
    );
    expect(entity.spec).toMatchObject({
      type: 'kratix-resource',
      owner: 'user:default/ada',
      dependsOn: [
        'component:default/elastic-cloud',
        'resource:default/worker-1',
      ],
    });
    expect(entity.metadata.annotations).toEqual({
      'kratix.io/type': 'resource',
      'kratix.io/promise-name': 'elastic-cloud',
      'kratix.io/api-group': 'marketplace.kratix.io',
      'kratix.io/kind': 'elastic-cloud',
      'kratix.io/name': 'example',
      'kratix.io/namespace': 'default',
    });
    expect(entity.metadata).toMatchObject({
      title: 'example (elastic-cloud)',
      description:
        'elastic-cloud default/example, requested from the Kratix Promise elastic-cloud',
    });
  });

  it('places requests only where their placements are not misplaced', () => {
    const model: KratixModel = {
      destinations: [],
      promises: [],
      requests: [{ promiseName: 'elastic-cloud', object: request }],
      placements: [
        placement('worker-1'),
        placement('worker-2', { 'kratix.io/misplaced': 'true' }),
      ],
    };
    const [entity] = [...entitiesOf(model, options).values()];
    expect(entity.spec?.dependsOn).toEqual([
      'component:default/elastic-cloud',
      'resource:default/worker-1',
    ]);
  });

  it('ingests entities written to a destination labelled environment=backstage, and only there', () => {
    const written = (destination: string) => ({
      ...placement(destination),
      spec: {
        ...placement(destination).spec,
        workloads: [
          {
            filepath: 'catalog.yaml',
            content:
              'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: from-workflow\nspec:\n  owner: team-a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-an-entity\n',
          },
        ],
      },
    });
    const model: KratixModel = {
      destinations: [
        {
          apiVersion: KRATIX,
          kind: 'Destination',
          metadata: { name: 'backstage', labels: { environment: 'backstage' } },
        },
        {
          apiVersion: KRATIX,
          kind: 'Destination',
          metadata: { name: 'worker-1' },
        },
      ],
      promises: [],
      requests: [],
      placements: [written('backstage'), written('worker-1')],
    };
    const refs = [...entitiesOf(model, options).keys()].sort();
    expect(refs).toEqual([
      'resource:default/backstage',
      'resource:default/worker-1',
      'system:default/from-workflow',
    ]);
  });
});

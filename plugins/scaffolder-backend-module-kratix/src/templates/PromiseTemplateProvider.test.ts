import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { parse, stringify } from 'yaml';
import {
  KratixTestBackend,
  readExample,
  startKratixBackend,
} from '../__testUtils__/kratixBackend';
import { PromiseTemplateProvider } from './PromiseTemplateProvider';

jest.setTimeout(60_000);

const credentials = mockCredentials.user();

async function eventually(check: () => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

describe('PromiseTemplateProvider', () => {
  let kratix: KratixTestBackend;
  let provider: PromiseTemplateProvider;
  /** What the catalog was sent, in order. */
  const mutations: EntityProviderMutation[] = [];

  beforeAll(async () => {
    kratix = await startKratixBackend();
    provider = new PromiseTemplateProvider({
      objects: kratix.objects,
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      template: { owner: 'group:default/platform-team' },
    });
    await provider.connect({
      applyMutation: async m => {
        mutations.push(m);
      },
      refresh: async () => {},
    });
  });
  afterAll(async () => {
    await provider?.close();
    await kratix?.stop();
  });

  const names = (m: EntityProviderMutation) =>
    m.type === 'full'
      ? { full: m.entities.map(e => e.entity.metadata.name) }
      : {
          added: m.added.map(e => e.entity.metadata.name),
          removed: m.removed.map(e =>
            'entity' in e ? e.entity.metadata.name : e.entityRef,
          ),
        };

  it('sends a full mutation at start, a delta per template change, and nothing for status changes', async () => {
    await eventually(() => mutations.length === 1, 'the full mutation');
    expect(names(mutations[0])).toEqual({ full: [] });

    await kratix.objects.apply(readExample('elastic-cloud/promise.yaml'), {
      credentials,
    });
    await eventually(() => mutations.length === 2, 'the template');
    expect(names(mutations[1])).toEqual({
      added: ['kratix-request-elastic-cloud'],
      removed: [],
    });

    // The engine reconciles the Promise (status, conditions, finalizers) and a
    // label changes nothing in the template: the catalog is sent nothing.
    const ref = {
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Promise',
      name: 'elastic-cloud',
    };
    const deadline = Date.now() + 20_000;
    while (
      !(await kratix.objects.get(ref, { credentials })).status?.conditions
    ) {
      if (Date.now() > deadline)
        throw new Error('the Promise was never reconciled');
      await new Promise(r => setTimeout(r, 50));
    }
    await kratix.objects.patch(
      ref,
      { metadata: { labels: { team: 'platform' } } },
      { credentials },
    );

    // A new schema description is a new template.
    const changed = parse(readExample('elastic-cloud/promise.yaml'));
    changed.spec.api.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.enableDataCollection.description =
      'Collect metrics with Beats.';
    await kratix.objects.apply(stringify(changed), { credentials });
    await eventually(() => mutations.length === 3, 'the changed template');
    const delta = mutations[2] as Extract<
      EntityProviderMutation,
      { type: 'delta' }
    >;
    expect(
      (delta.added[0].entity.spec as any).parameters[1].properties.spec
        .properties.enableDataCollection['ui:help'],
    ).toBe('Collect metrics with Beats.');

    await kratix.objects.delete(
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        name: 'elastic-cloud',
      },
      { credentials },
    );
    await eventually(() => mutations.length === 4, 'the removal');
    expect(names(mutations[3])).toEqual({
      added: [],
      removed: ['kratix-request-elastic-cloud'],
    });
    // Nothing else was sent in between: the label and status updates sent nothing.
    expect(mutations).toHaveLength(4);
  });
});

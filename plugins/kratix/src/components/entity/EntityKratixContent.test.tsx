import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { renderKratix } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';
import { EntityKratixContent } from './EntityKratixContent';
import { EntityKratixCard } from './EntityKratixCard';

const server = setupServer();
registerMswTestHooks(server);

// Shaped as Syntasso's Backstage integration writes a resource's component.
const resourceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'default-example',
    annotations: {
      'kratix.io/type': 'resource',
      'kratix.io/api-group': 'marketplace.kratix.io',
      'kratix.io/kind': 'elastic-cloud',
      'kratix.io/name': 'example',
      'kratix.io/namespace': 'default',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'platform' },
};

const platform = () =>
  new FakeKratix([
    tutorial.promise(),
    tutorial.stateStore(),
    tutorial.worker1({ environment: 'dev' }),
    tutorial.request(tutorial.pendingRequestStatus()),
    tutorial.requestWork(false),
    tutorial.depsWork(true),
  ]);

/** Renders a catalog entity's view against the tutorial's platform. */
const renderFor = async (entity: Entity, view: JSX.Element) => {
  server.use(...platform().handlers());
  await renderKratix('/', { element: <EntityProvider entity={entity}>{view}</EntityProvider> });
};

describe('catalog entity views', () => {
  it('shows a resource entity’s scheduling explanation in its tab', async () => {
    await renderFor(resourceEntity, <EntityKratixContent />);
    expect(await screen.findByText('worker-1 lacks pvCapacity=large')).toBeInTheDocument();
  });

  it('shows a Promise entity’s dependencies in its tab', async () => {
    await renderFor(
      {
        ...resourceEntity,
        metadata: { name: 'elastic-cloud', annotations: { 'kratix.io/promise-name': 'elastic-cloud' } },
      },
      <EntityKratixContent />,
    );
    expect(await screen.findByText('Dependencies placed on worker-1')).toBeInTheDocument();
  });

  it('summarises a Destination entity’s labels in its card', async () => {
    await renderFor(
      {
        ...resourceEntity,
        kind: 'Resource',
        metadata: { name: 'worker-1', annotations: { 'kratix.io/type': 'destination' } },
      },
      <EntityKratixCard />,
    );
    expect(await screen.findByText('environment=dev')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Open in Kratix' })).toHaveAttribute('href', '/kratix/destinations');
  });
});

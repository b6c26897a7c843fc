import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester, renderTestApp } from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import kratixPlugin, { kratixEntityContent, kratixPage } from './alpha';
import { kratixApiRef } from './api/KratixApi';
import { FakeKratix } from './__testUtils__/fakeKratix';
import { testClient } from './__testUtils__/render';
import * as tutorial from './__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

describe('kratix plugin in the new frontend system', () => {
  it('offers a page at /kratix titled Kratix, for the nav item', () => {
    const tester = createExtensionTester(kratixPage);
    expect(tester.get(coreExtensionData.routePath)).toBe('/kratix');
    expect(tester.get(coreExtensionData.title)).toBe('Kratix');
  });

  it('offers the entity tab only on entities with kratix.io/ annotations', () => {
    const tester = createExtensionTester(kratixEntityContent);
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    const entity = (annotations: Record<string, string>) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x', annotations },
    });
    expect(filter(entity({ 'kratix.io/promise-name': 'elastic-cloud' }))).toBe(true);
    expect(filter(entity({ 'github.com/project-slug': 'a/b' }))).toBe(false);
    expect(tester.get(coreExtensionData.routePath)).toBe('/kratix');
  });

  it('renders the page extension and navigates between its pages', async () => {
    const fake = new FakeKratix([
      tutorial.promise(),
      tutorial.worker1(),
      tutorial.stateStore(),
      tutorial.depsWork(false),
    ]);
    server.use(...fake.handlers());
    renderTestApp({
      features: [kratixPlugin],
      initialRouteEntries: ['/kratix'],
      apis: [[kratixApiRef, testClient()]],
    });
    expect(await screen.findByRole('link', { name: 'elastic-cloud' })).toBeInTheDocument();
    expect(screen.getByText('environment=dev')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('tab', { name: 'Destinations' }));
    const table = await screen.findByRole('table', { name: 'Destinations' });
    expect(within(table).getByText('worker-1')).toBeInTheDocument();
    expect(screen.getByText('no labels')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('tab', { name: 'Promises' }));
    await userEvent.click(await screen.findByRole('link', { name: 'elastic-cloud' }));
    expect(await screen.findByText('Waiting for a destination with environment=dev')).toBeInTheDocument();
  });
});

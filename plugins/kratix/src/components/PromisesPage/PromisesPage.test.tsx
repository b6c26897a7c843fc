import { screen, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { renderKratix } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

describe('PromisesPage', () => {
  it('lists Promises with their API kind, selectors, status and resource count', async () => {
    const fake = new FakeKratix([tutorial.promise(), tutorial.request(tutorial.pendingRequestStatus())]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/promises');
    const table = await screen.findByRole('table');
    const row = within(table).getByRole('link', { name: 'elastic-cloud' }).closest('tr')!;
    expect(within(row).getByText('elastic-cloud.marketplace.kratix.io/v1alpha1')).toBeInTheDocument();
    expect(within(row).getByText('environment=dev')).toBeInTheDocument();
    expect(within(row).getByText('Available')).toBeInTheDocument();
    expect(within(row).getByText('1')).toBeInTheDocument();
    expect(fake.calls('GET', '/apis/marketplace.kratix.io/v1alpha1/elastic-clouds')).toHaveLength(1);
  });

  it('says what to do when no Promise is installed', async () => {
    server.use(...new FakeKratix([]).handlers());
    await renderKratix('/kratix/promises');
    expect(await screen.findByText('No Promises installed')).toBeInTheDocument();
  });

  it('names the missing permission on a 403', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    fake.forbidden = { permission: 'kratix.object.read' };
    server.use(...fake.handlers());
    await renderKratix('/kratix/promises');
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    expect(screen.getByText(/You need the kratix.object.read permission to see Kratix objects/)).toBeInTheDocument();
  });
});

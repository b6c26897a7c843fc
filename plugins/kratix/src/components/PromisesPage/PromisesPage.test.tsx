/* eslint-disable no-restricted-imports -- test-only: reads the repository's example YAML */
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { denying, renderKratix } from '../../__testUtils__/render';
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

  it('installs a Promise from a YAML file and lists it', async () => {
    const fake = new FakeKratix([]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/promises');
    await userEvent.click(await screen.findByRole('button', { name: 'Install a Promise' }));
    const dialog = await screen.findByRole('dialog', { name: 'Apply YAML' });
    const yaml = readFileSync(resolve(__dirname, '../../../../../examples/elastic-cloud/promise.yaml'), 'utf8');
    await userEvent.upload(
      within(dialog).getByLabelText('YAML file'),
      new File([yaml], 'promise.yaml', { type: 'application/yaml' }),
    );
    await waitFor(() => expect(within(dialog).getByRole('textbox', { name: 'YAML' })).toHaveValue(yaml));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    expect(await within(dialog).findByText('Promise elastic-cloud created')).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(await screen.findByRole('link', { name: 'elastic-cloud' })).toBeInTheDocument();
  });

  it('names the missing permission on a 403', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    fake.forbidden = { permission: 'kratix.object.read' };
    server.use(...fake.handlers());
    await renderKratix('/kratix/promises');
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
    expect(screen.getByText(/You need the kratix.object.read permission to see Kratix objects/)).toBeInTheDocument();
  });

  it('disables Apply YAML, saying which permission is missing, for a user who may not manage the platform', async () => {
    server.use(...new FakeKratix([tutorial.promise()]).handlers());
    await renderKratix('/kratix/promises', { permission: denying('kratix.platform.manage') });
    await screen.findByRole('link', { name: 'elastic-cloud' });
    const button = await screen.findByRole('button', { name: 'Apply YAML' });
    await waitFor(() => expect(button).toBeDisabled());
    await userEvent.hover(button.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to install or change Promises and Destinations (permission kratix.platform.manage).',
    );
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('leaves Apply YAML usable when the permission check itself fails (the backend decides)', async () => {
    server.use(...new FakeKratix([]).handlers());
    await renderKratix('/kratix/promises', {
      permission: () => {
        throw new Error('This plugin does not expose any permission rule');
      },
    });
    const button = await screen.findByRole('button', { name: 'Install a Promise' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('dialog', { name: 'Apply YAML' })).toBeInTheDocument();
  });
});

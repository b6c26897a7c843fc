import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { denying, renderKratix } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

describe('PromisePage', () => {
  it('says it waits for environment=dev, and why, with its API and selectors', async () => {
    server.use(
      ...new FakeKratix([tutorial.promise(), tutorial.worker1(), tutorial.depsWork(false)]).handlers(),
    );
    await renderKratix('/kratix/promises/elastic-cloud');
    expect(await screen.findByTestId('promise-scheduling')).toHaveTextContent(
      'Waiting for a destination with environment=dev',
    );
    expect(screen.getByText('worker-1 lacks environment=dev')).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Destination selectors' })).getByText('environment=dev')).toBeInTheDocument();
    const schema = screen.getByRole('table', { name: 'API schema' });
    expect(within(schema).getByText('spec.enableDataCollection')).toBeInTheDocument();
    expect(within(schema).getByText('boolean')).toBeInTheDocument();
    expect(screen.getByText('No resources requested')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Request elastic-cloud' })).toHaveAttribute(
      'href',
      '/kratix/promises/elastic-cloud/request',
    );
  });

  it('lists its resources with links to their pages once dependencies are placed', async () => {
    server.use(
      ...new FakeKratix([
        tutorial.promise(),
        tutorial.worker1({ environment: 'dev' }),
        tutorial.depsWork(true),
        tutorial.request(tutorial.scheduledRequestStatus()),
      ]).handlers(),
    );
    await renderKratix('/kratix/promises/elastic-cloud');
    expect(await screen.findByText('Dependencies placed on worker-1')).toBeInTheDocument();
    const resources = screen.getByRole('table', { name: 'Resources' });
    expect(within(resources).getByRole('link', { name: 'example' })).toHaveAttribute(
      'href',
      '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/example',
    );
    expect(within(resources).getByText('Scheduled on worker-1')).toBeInTheDocument();
  });

  it('offers no request link to a user who may not request resources, and says why', async () => {
    server.use(...new FakeKratix([tutorial.promise(), tutorial.worker1(), tutorial.depsWork(false)]).handlers());
    await renderKratix('/kratix/promises/elastic-cloud', { permission: denying('kratix.resource.request') });
    const button = await screen.findByRole('button', { name: 'Request elastic-cloud' });
    await waitFor(() => expect(button).toBeDisabled());
    expect(button).not.toHaveAttribute('href');
    await userEvent.hover(button.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to request resources (permission kratix.resource.request).',
    );
  });
});

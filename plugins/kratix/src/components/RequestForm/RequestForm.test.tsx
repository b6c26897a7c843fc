import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { denying, renderKratix, TestSignals } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';
import { causesToErrorSchema } from './RequestForm';

const server = setupServer();
registerMswTestHooks(server);

const PAGE = '/kratix/promises/elastic-cloud/request';

describe('RequestForm', () => {
  it('renders enableDataCollection as a checkbox with its description as help text', async () => {
    server.use(...new FakeKratix([tutorial.promise()]).handlers());
    await renderKratix(PAGE);
    const checkbox = await screen.findByRole('checkbox', { name: 'enableDataCollection' });
    expect(checkbox).not.toBeChecked();
    expect(checkbox).toHaveAccessibleDescription(
      'Deploy Beats to collect metrics; needs a destination with large persistent volumes (pvCapacity=large).',
    );
    expect(screen.getByRole('textbox', { name: /^Name\b/ })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /^Namespace/ })).toHaveValue('default');
  });

  it('shows a schema error beside its field and sends nothing', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    server.use(...fake.handlers());
    await renderKratix(PAGE);
    await userEvent.type(await screen.findByRole('textbox', { name: /^Name\b/ }), 'Not_A_Name');
    await userEvent.click(screen.getByRole('button', { name: 'Request' }));
    expect(await screen.findByText(/must match pattern/)).toBeInTheDocument();
    expect(fake.calls('POST', '/')).toHaveLength(0);
  });

  it('creates the request and follows it until it is scheduled', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    const signals = new TestSignals();
    server.use(...fake.handlers());
    await renderKratix(PAGE, { signals });
    await userEvent.type(await screen.findByRole('textbox', { name: /^Name\b/ }), 'example');
    await userEvent.click(screen.getByRole('checkbox', { name: 'enableDataCollection' }));
    await userEvent.click(screen.getByRole('button', { name: 'Request' }));

    await waitFor(() => expect(fake.calls('POST', '/')).toHaveLength(1));
    const [post] = fake.calls('POST', '/');
    expect(post.path).toBe('/apis/marketplace.kratix.io/v1alpha1/namespaces/default/elastic-clouds');
    expect(post.body).toEqual({
      apiVersion: 'marketplace.kratix.io/v1alpha1',
      kind: 'elastic-cloud',
      metadata: { name: 'example', namespace: 'default' },
      spec: { enableDataCollection: true },
    });
    expect(await screen.findByText('Created; waiting for its workflow to run…')).toBeInTheDocument();

    fake.put(tutorial.request(tutorial.pendingRequestStatus()));
    signals.publish('kratix:changes', { resourceVersion: '2', kinds: ['marketplace.kratix.io/elastic-cloud'] });
    expect(await screen.findByText(/worker-1 lacks pvCapacity=large/)).toBeInTheDocument();

    fake.put(tutorial.request(tutorial.scheduledRequestStatus()));
    signals.publish('kratix:changes', { resourceVersion: '3', kinds: ['marketplace.kratix.io/elastic-cloud'] });
    expect(await screen.findByText('Scheduled on worker-1')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: "Open example's page" })).toHaveAttribute(
      'href',
      '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/example',
    );
  });

  it('shows the backend’s 422 causes, with the failing field', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    fake.validate = () => [{ field: 'spec.enableDataCollection', message: 'must be boolean' }];
    server.use(...fake.handlers());
    await renderKratix(PAGE);
    await userEvent.type(await screen.findByRole('textbox', { name: /^Name\b/ }), 'example');
    await userEvent.click(screen.getByRole('button', { name: 'Request' }));
    expect(await screen.findByText(/elastic-cloud "example" is invalid/)).toBeInTheDocument();
    expect(screen.getAllByText(/must be boolean/).length).toBeGreaterThan(0);
  });

  it('says which permission is missing when the request is refused', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    server.use(...fake.handlers());
    await renderKratix(PAGE);
    fake.forbidden = { permission: 'kratix.resource.request', methods: ['POST'] };
    await userEvent.type(await screen.findByRole('textbox', { name: /^Name\b/ }), 'example');
    await userEvent.click(screen.getByRole('button', { name: 'Request' }));
    expect(
      await screen.findByText(/You need the kratix.resource.request permission to request, change or delete resources/),
    ).toBeInTheDocument();
  });
});

describe('causesToErrorSchema', () => {
  it('disables Request, saying why, for a user who may not request this Promise', async () => {
    const fake = new FakeKratix([tutorial.promise()]);
    server.use(...fake.handlers());
    await renderKratix(PAGE, { permission: denying('kratix.promise.request', 'elastic-cloud') });
    await userEvent.type(await screen.findByRole('textbox', { name: /^Name\b/ }), 'example');
    expect(
      await screen.findByText('You are not allowed to request elastic-cloud (permission kratix.promise.request).'),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Request' })).toBeDisabled();
    await userEvent.type(screen.getByRole('textbox', { name: /^Name\b/ }), '{Enter}');
    expect(fake.calls('POST', '/')).toHaveLength(0);
  });

  it('places each cause under its field path', () => {
    expect(
      causesToErrorSchema([
        { field: 'spec.enableDataCollection', message: 'must be boolean' },
        { field: 'metadata.name', message: 'is required' },
        { message: 'no field' },
      ]),
    ).toEqual({
      spec: { enableDataCollection: { __errors: ['must be boolean'] } },
      name: { __errors: ['is required'] },
    });
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { denying, renderKratix } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

function destination(name: string, labels: Record<string, string>) {
  const d = tutorial.worker1(labels);
  return { ...d, metadata: { ...d.metadata, name } };
}

const destinationLists = (fake: FakeKratix) =>
  fake.calls('GET', '/apis/platform.kratix.io/v1alpha1/destinations').filter(r => r.path.endsWith('/destinations'));

describe('DestinationsPage', () => {
  it('shows labels as chips, readiness and state store', async () => {
    const fake = new FakeKratix([tutorial.worker1({ environment: 'dev' }), tutorial.stateStore()]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    const labels = await screen.findByRole('list', { name: 'Labels of worker-1' });
    expect(within(labels).getByText('environment=dev')).toBeInTheDocument();
    const row = labels.closest('tr')!;
    expect(within(row).getByText('Ready')).toBeInTheDocument();
    expect(within(row).getByText('default (FilesystemStateStore)')).toBeInTheDocument();
  });

  it('opens a destination with what is placed on it, each linked to its Promise', async () => {
    const request = tutorial.requestPlacement();
    const depsPlacement = {
      ...request,
      metadata: { ...request.metadata, name: 'elastic-cloud-static-deps.worker-1-5058f', namespace: 'kratix-platform-system' },
      spec: { ...request.spec!, resourceName: undefined, workloads: request.spec!.workloads.slice(0, 1) },
    };
    server.use(
      ...new FakeKratix([
        tutorial.worker1({ environment: 'dev', pvCapacity: 'large' }),
        tutorial.requestPlacement(),
        depsPlacement,
      ]).handlers(),
    );
    await renderKratix('/kratix/destinations');
    await userEvent.click(await screen.findByRole('link', { name: 'worker-1' }));
    const placements = await screen.findByRole('list', { name: 'Placements on worker-1' });
    expect(within(placements).getAllByRole('listitem').map(item => item.textContent)).toEqual([
      'elastic-cloud dependencies (1 file)',
      'elastic-cloud / default/example (2 files)',
    ]);
    for (const link of within(placements).getAllByRole('link', { name: 'elastic-cloud' })) {
      expect(link).toHaveAttribute('href', '/kratix/promises/elastic-cloud');
    }
  });

  it('sends the label selector to the server and rejects a bad one before sending', async () => {
    const fake = new FakeKratix([
      destination('worker-1', { environment: 'dev' }),
      destination('worker-2', { environment: 'dev', pvCapacity: 'large' }),
      destination('worker-3', { environment: 'prod', pvCapacity: 'large' }),
    ]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    await screen.findByText('worker-3');

    const box = screen.getByRole('textbox', { name: 'Label selector' });
    await userEvent.type(box, 'environment=dev,pvCapacity in (large)');
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(screen.queryByText('worker-3')).not.toBeInTheDocument());
    expect(screen.getByText('worker-2')).toBeInTheDocument();
    expect(screen.queryByText('worker-1')).not.toBeInTheDocument();
    expect(destinationLists(fake).at(-1)!.query.get('labelSelector')).toBe('environment=dev,pvCapacity in (large)');

    const sent = destinationLists(fake).length;
    await userEvent.clear(box);
    await userEvent.type(box, 'environment in (dev');
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    expect(await screen.findByText(/invalid label selector/)).toBeInTheDocument();
    expect(destinationLists(fake)).toHaveLength(sent);
    expect(screen.getByText('worker-2')).toBeInTheDocument();
  });

  it('pages on the server with limit and continue', async () => {
    const fake = new FakeKratix(
      Array.from({ length: 30 }, (_, i) => destination(`worker-${String(i).padStart(2, '0')}`, {})),
    );
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    expect(await screen.findByText('worker-00')).toBeInTheDocument();
    expect(screen.queryByText('worker-25')).not.toBeInTheDocument();
    expect(screen.getByText('Showing 1–25 of 30')).toBeInTheDocument();
    expect(destinationLists(fake).at(-1)!.query.get('limit')).toBe('25');

    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('worker-29')).toBeInTheDocument();
    expect(screen.queryByText('worker-00')).not.toBeInTheDocument();
    expect(destinationLists(fake).at(-1)!.query.get('continue')).toBe('25');
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
  });

  it('pages in the browser when the backend ignores limit', async () => {
    const fake = new FakeKratix(
      Array.from({ length: 30 }, (_, i) => destination(`worker-${String(i).padStart(2, '0')}`, {})),
    );
    fake.ignoresPaging = true;
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    expect(await screen.findByText('worker-24')).toBeInTheDocument();
    expect(screen.queryByText('worker-25')).not.toBeInTheDocument();
    expect(screen.getByText('Showing 1–25 of 30')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('worker-29')).toBeInTheDocument();
    expect(screen.getByText('Showing 26–30 of 30')).toBeInTheDocument();
    expect(destinationLists(fake).at(-1)!.query.get('continue')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Previous page' }));
    expect(await screen.findByText('worker-00')).toBeInTheDocument();
  });

  it('says so when no destination matches the selector', async () => {
    server.use(...new FakeKratix([tutorial.worker1()]).handlers());
    await renderKratix('/kratix/destinations');
    await screen.findByText('worker-1');
    await userEvent.type(screen.getByRole('textbox', { name: 'Label selector' }), 'gpu');
    await userEvent.click(screen.getByRole('button', { name: 'Filter' }));
    expect(await screen.findByText('No destination matches this selector')).toBeInTheDocument();
  });

  it('adds a label after a confirmation that lists what it would schedule (computed in the browser)', async () => {
    const fake = new FakeKratix([tutorial.worker1(), tutorial.promise(), tutorial.depsWork(false)]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    await userEvent.click(await screen.findByRole('button', { name: 'Add label to worker-1' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Label key' }), 'environment');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Label value' }), 'dev');
    expect(within(dialog).getByRole('button', { name: 'Add label' })).toBeDisabled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Preview changes' }));
    expect(
      await within(dialog).findByText(
        'elastic-cloud dependencies (elastic-cloud-static-deps) would be scheduled on worker-1',
      ),
    ).toBeInTheDocument();
    expect(fake.calls('PATCH', '/')).toHaveLength(0);

    await userEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(fake.calls('PATCH', '/apis/platform.kratix.io/v1alpha1/destinations/worker-1')[0].body).toEqual({
      metadata: { labels: { environment: 'dev' } },
    });
    expect(await screen.findByText('environment=dev')).toBeInTheDocument();
  });

  it('shows the backend what-if when it has one, and removes a label with null', async () => {
    const fake = new FakeKratix([tutorial.worker1({ environment: 'dev' })]);
    fake.whatIf = (name, labels) => ({
      destination: name,
      labels,
      changes: [
        {
          namespace: 'default',
          work: 'example-instance-configure-1a2b3',
          promiseName: 'elastic-cloud',
          resourceName: 'example',
          workloadGroupId: tutorial.ROOT_GROUP_ID,
          change: 'misplace',
          destinations: ['worker-1'],
        },
      ],
    });
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    await userEvent.click(await screen.findByRole('button', { name: 'Remove label environment=dev' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText('elastic-cloud resource default/example would be marked misplaced on worker-1'),
    ).toBeInTheDocument();
    expect(fake.calls('POST', '/whatif/destinations/worker-1')[0].body).toEqual({ labels: {} });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove label' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(fake.calls('PATCH', '/')[0].body).toEqual({ metadata: { labels: { environment: null } } });
  });

  it('rejects an invalid label key inline and keeps the dialog open on a 403', async () => {
    const fake = new FakeKratix([tutorial.worker1()]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations');
    await userEvent.click(await screen.findByRole('button', { name: 'Add label to worker-1' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Label key' }), '-bad');
    expect(within(dialog).getByText(/must start and end with an alphanumeric character/)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Preview changes' })).toBeDisabled();

    await userEvent.clear(within(dialog).getByRole('textbox', { name: 'Label key' }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Label key' }), 'environment');
    await userEvent.type(within(dialog).getByRole('textbox', { name: 'Label value' }), 'dev');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Preview changes' }));
    await within(dialog).findByText('Nothing would be scheduled or marked misplaced.');
    fake.forbidden = { permission: 'kratix.platform.manage', methods: ['PATCH'] };
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    expect(
      await within(dialog).findByText(/You need the kratix.platform.manage permission to change Promises, Destinations/),
    ).toBeInTheDocument();
    expect(fake.find('destinations', 'worker-1')!.metadata.labels).toEqual({});
  });

  it('hides remove and disables add on a destination the user may not relabel, and only there', async () => {
    const fake = new FakeKratix([
      destination('worker-1', { environment: 'dev' }),
      destination('worker-2', { environment: 'prod' }),
    ]);
    server.use(...fake.handlers());
    await renderKratix('/kratix/destinations', { permission: denying('kratix.destination.label', 'worker-1') });

    const add1 = await screen.findByRole('button', { name: 'Add label to worker-1' });
    await waitFor(() => expect(add1).toBeDisabled());
    expect(screen.queryByRole('button', { name: 'Remove label environment=dev' })).not.toBeInTheDocument();
    await userEvent.hover(add1.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to change the labels of worker-1 (permission kratix.destination.label).',
    );

    expect(screen.getByRole('button', { name: 'Add label to worker-2' })).toBeEnabled();
    await userEvent.click(screen.getByRole('button', { name: 'Remove label environment=prod' }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Remove label' })).toBeEnabled());
    expect(fake.calls('PATCH', '/')).toHaveLength(0);
  });
});

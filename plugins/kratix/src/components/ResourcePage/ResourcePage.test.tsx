import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { registerMswTestHooks } from '@backstage/test-utils';
import { FakeKratix } from '../../__testUtils__/fakeKratix';
import { denying, renderKratix, TestSignals } from '../../__testUtils__/render';
import * as tutorial from '../../__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

const PAGE = '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/example';

function pendingPlatform() {
  return new FakeKratix([
    tutorial.promise(),
    tutorial.stateStore(),
    tutorial.worker1({ environment: 'dev' }),
    tutorial.request(tutorial.pendingRequestStatus()),
    tutorial.requestWork(false),
  ]);
}

describe('ResourcePage', () => {
  it('explains per destination what it lacks and which source asked for each label', async () => {
    server.use(...pendingPlatform().handlers());
    await renderKratix(PAGE);
    expect(await screen.findByTestId('scheduling-message')).toHaveTextContent(
      'Pending: needs environment=dev, pvCapacity=large; no destination has them all: worker-1 lacks pvCapacity=large',
    );
    expect(
      screen.getByRole('heading', { name: /^The default workload group \(\w{5}\) of example-instance-configure-\w+$/ }),
    ).toBeInTheDocument();
    const destinations = screen.getByRole('list', { name: 'Destinations for .' });
    expect(within(destinations).getByText('worker-1 lacks pvCapacity=large')).toBeInTheDocument();

    const required = screen.getByRole('table', { name: 'Labels required for .' });
    const envRow = within(required).getByText('environment=dev').closest('tr')!;
    expect(within(envRow).getByText('promise')).toBeInTheDocument();
    const pvRow = within(required).getByText('pvCapacity=large').closest('tr')!;
    expect(within(pvRow).getByText('resource-workflow')).toBeInTheDocument();
    expect(screen.getByText(/A workflow can narrow where this goes, but never override the Promise/)).toBeInTheDocument();
    expect(screen.getByText('No files written yet')).toBeInTheDocument();
  });

  it('previews a label with the what-if before anything changes, then applies it', async () => {
    const fake = pendingPlatform();
    server.use(...fake.handlers());
    await renderKratix(PAGE, { signals: new TestSignals() });

    const whatIf = await screen.findByRole('form', { name: 'What-if label change' });
    // Prefilled with what the closest destination lacks.
    expect(within(whatIf).getByRole('textbox', { name: 'Label key' })).toHaveValue('pvCapacity');
    expect(within(whatIf).getByRole('textbox', { name: 'Label value' })).toHaveValue('large');
    await userEvent.click(within(whatIf).getByRole('button', { name: 'Preview' }));
    expect(
      await screen.findByText('Adding pvCapacity=large to worker-1 would place this resource on worker-1.'),
    ).toBeInTheDocument();
    expect(fake.calls('PATCH', '/')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Add pvCapacity=large to worker-1' }));
    await waitFor(() =>
      expect(fake.calls('PATCH', '/apis/platform.kratix.io/v1alpha1/destinations/worker-1')[0]?.body).toEqual({
        metadata: { labels: { pvCapacity: 'large' } },
      }),
    );
    expect(await screen.findByText(/Added pvCapacity=large to worker-1/)).toBeInTheDocument();
  });

  it('turns to scheduled when the backend signals a change, without a reload', async () => {
    const fake = pendingPlatform();
    const signals = new TestSignals();
    server.use(...fake.handlers());
    await renderKratix(PAGE, { signals });
    await screen.findByText('worker-1 lacks pvCapacity=large');

    // The engine schedules it; the backend publishes a change hint.
    fake.put(tutorial.request(tutorial.scheduledRequestStatus()));
    fake.put(tutorial.requestWork(true));
    fake.put(tutorial.requestPlacement());
    signals.publish('kratix:changes', {
      resourceVersion: '43',
      kinds: ['marketplace.kratix.io/elastic-cloud', 'platform.kratix.io/Work'],
    });
    expect(await screen.findByText('Scheduled on worker-1')).toBeInTheDocument();
    const files = await screen.findByRole('table', { name: 'Files written' });
    expect(
      within(files).getByText('worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml'),
    ).toBeInTheDocument();
    expect(screen.queryByText('Why it is not placed')).not.toBeInTheDocument();
  });

  it('shows pipeline runs with their logs and the events timeline', async () => {
    const fake = pendingPlatform();
    fake.recordsRuns = true;
    fake.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'kratix-elastic-cloud-example-instance-configure-7f3a1',
        namespace: 'default',
        labels: {
          'kratix.io/promise-name': 'elastic-cloud',
          'kratix.io/resource-name': 'example',
          'kratix.io/pipeline-name': 'instance-configure',
          'kratix.io/workflow-action': 'configure',
        },
      },
      spec: { containers: [{ name: 'pipeline-stage-0' }] },
      status: {
        phase: 'Succeeded',
        startTime: '2026-12-01T10:00:00Z',
        containerStatuses: [
          { name: 'pipeline-stage-0', state: { terminated: { exitCode: 0, finishedAt: '2026-12-01T10:00:03Z' } } },
        ],
      },
    });
    fake.logs['kratix-elastic-cloud-example-instance-configure-7f3a1'] =
      'Generate ECK requests for default/example...\nSetting additional cluster selectors: pvCapacity=large\nDone';
    fake.put({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'example.1', namespace: 'default' },
      involvedObject: { apiVersion: 'marketplace.kratix.io/v1alpha1', kind: 'elastic-cloud', name: 'example', namespace: 'default' },
      reason: 'Unscheduled',
      message: 'no destination has environment=dev, pvCapacity=large',
      type: 'Warning',
      count: 2,
      lastTimestamp: '2026-12-01T10:00:05Z',
    } as any);
    server.use(...fake.handlers());
    await renderKratix(PAGE);

    const runs = await screen.findByRole('table', { name: 'Pipeline runs' });
    expect(within(runs).getByText('instance-configure')).toBeInTheDocument();
    expect(within(runs).getByText('Succeeded')).toBeInTheDocument();
    expect(within(runs).getByText('pipeline-stage-0: 0')).toBeInTheDocument();
    await userEvent.click(
      within(runs).getByRole('button', { name: 'Show log of kratix-elastic-cloud-example-instance-configure-7f3a1' }),
    );
    expect(await screen.findByText(/Setting additional cluster selectors: pvCapacity=large/)).toBeInTheDocument();

    const events = screen.getByRole('list', { name: 'Events' });
    expect(within(events).getByText('no destination has environment=dev, pvCapacity=large')).toBeInTheDocument();
    expect(fake.calls('GET', '/api/v1/namespaces/default/events')[0].query.get('fieldSelector')).toBe(
      'involvedObject.name=example,involvedObject.kind=elastic-cloud',
    );
  });

  it('shows empty states when the backend records no runs or events', async () => {
    server.use(...pendingPlatform().handlers());
    await renderKratix(PAGE);
    expect(await screen.findByText('No pipeline runs recorded')).toBeInTheDocument();
    expect(screen.getByText('No events recorded')).toBeInTheDocument();
  });

  it('says when the resource does not exist', async () => {
    server.use(...new FakeKratix([tutorial.promise()]).handlers());
    await renderKratix(PAGE);
    expect(await screen.findByText(/Could not load default\/example: Not found/)).toBeInTheDocument();
  });

  it('previews but does not offer to apply a label the user may not set, and says why', async () => {
    const fake = pendingPlatform();
    server.use(...fake.handlers());
    await renderKratix(PAGE, { permission: denying('kratix.destination.label', 'worker-1') });
    const whatIf = await screen.findByRole('form', { name: 'What-if label change' });
    await userEvent.click(within(whatIf).getByRole('button', { name: 'Preview' }));
    expect(
      await screen.findByText('Adding pvCapacity=large to worker-1 would place this resource on worker-1.'),
    ).toBeInTheDocument();
    const apply = screen.getByRole('button', { name: 'Add pvCapacity=large to worker-1' });
    await waitFor(() => expect(apply).toBeDisabled());
    await userEvent.hover(apply.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'You are not allowed to change the labels of worker-1 (permission kratix.destination.label).',
    );
    expect(fake.calls('PATCH', '/')).toHaveLength(0);
  });
});

/*
 * Kratix's "Scheduling Promises" tutorial, done the way a new user does it:
 * in the portal's pages, one step after the other, on one page that is never
 * reloaded after the request is made. Each step saves a screenshot and runs
 * axe on what it shows; the last test reports what axe found, so an
 * accessibility fault does not hide whether the tutorial works.
 */
import { expect, Page, test } from '@playwright/test';
import { join } from 'node:path';
import {
  authHeaders,
  axeViolations,
  kratixApi,
  screenshot,
  sidebar,
  signInAsGuest,
} from './portal';

const examples = join(__dirname, '..', '..', '..', 'examples');

test.describe.configure({ mode: 'serial' });

let page: Page;
// Frames of the backend's "changed" hint that reached the page (Signals).
let changeSignals = 0;

test.beforeAll(async ({ browser }) => {
  // axe needs a page of an explicit context.
  page = await (await browser.newContext()).newPage();
  page.on('websocket', ws =>
    ws.on('framereceived', frame => {
      if (String(frame.payload).includes('kratix:changes')) changeSignals++;
    }),
  );
  await signInAsGuest(page);
});

test.afterAll(async () => {
  await page.context().close();
});

const axeFindings: string[] = [];
async function checkAccessibility() {
  axeFindings.push(...(await axeViolations(page)));
}

function destinationRow(name: string) {
  return page.getByTestId(`destination-${name}`);
}

async function openPromise(name: string) {
  await sidebar(page).getByRole('link', { name: 'Kratix' }).click();
  await page.getByRole('tab', { name: 'Promises' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByText(`Promise ${name}`)).toBeVisible();
}

test('worker-1 is the only destination and has no labels', async () => {
  await sidebar(page).getByRole('link', { name: 'Kratix' }).click();
  await page.getByRole('tab', { name: 'Destinations' }).click();
  const row = destinationRow('worker-1');
  await expect(row).toBeVisible();
  await expect(row.getByText('no labels')).toBeVisible();
  await expect(page.getByText(/^Showing 1–1( of 1)?$/)).toBeVisible();
  await screenshot(page, '01-destinations-worker-1-no-labels');
  await checkAccessibility();
});

test('the elastic-cloud Promise is installed from its YAML file and listed', async () => {
  await page.getByRole('tab', { name: 'Promises' }).click();
  await expect(page.getByText('No Promises installed')).toBeVisible();
  await page.getByRole('button', { name: 'Install a Promise' }).click();
  const dialog = page.getByRole('dialog', { name: 'Apply YAML' });
  // As the tutorial's `kubectl create -f promise.yaml`: the file as it is.
  await dialog
    .getByLabel('YAML file')
    .setInputFiles(join(examples, 'elastic-cloud', 'promise.yaml'));
  await expect(dialog.getByRole('textbox', { name: 'YAML' })).toHaveValue(
    /name: elastic-cloud/,
  );
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(
    dialog.getByRole('list', { name: 'Applied objects' }),
  ).toHaveText('Promise elastic-cloud created');
  await screenshot(page, '02-install-elastic-cloud');
  await checkAccessibility();
  await dialog.getByRole('button', { name: 'Close' }).click();

  const row = page.getByRole('row', { name: /elastic-cloud/ });
  await expect(row).toBeVisible();
  await expect(row).toContainText('environment=dev');
  await screenshot(page, '03-promises-elastic-cloud');
  await checkAccessibility();
});

test('the Promise page says it waits for environment=dev, and why', async () => {
  await openPromise('elastic-cloud');
  await expect(page.getByTestId('promise-scheduling')).toHaveText(
    'Waiting for a destination with environment=dev',
  );
  const why = page.getByRole('region', {
    name: 'Why elastic-cloud-static-deps is not placed',
  });
  await expect(why).toContainText('worker-1 lacks environment=dev');
  await expect(why).toContainText('the Promise');
  await screenshot(page, '04-promise-waiting-for-environment-dev');
  await checkAccessibility();
});

test('environment=dev is added to worker-1 on the Destinations page, after a confirmation', async () => {
  await page.getByRole('tab', { name: 'Destinations' }).click();
  await destinationRow('worker-1')
    .getByRole('button', { name: 'Add label to worker-1' })
    .click();
  const dialog = page.getByRole('dialog', { name: 'Add label to worker-1' });
  await dialog.getByLabel('Label key').fill('environment');
  await dialog.getByLabel('Label value').fill('dev');
  await dialog.getByRole('button', { name: 'Preview changes' }).click();
  const changes = dialog.getByRole('list', { name: 'Changes' });
  await expect(changes).toContainText('elastic-cloud');
  const confirm = dialog.getByRole('button', {
    name: 'Add label',
    exact: true,
  });
  await expect(confirm).toBeEnabled();
  await screenshot(page, '05-add-environment-dev-confirmation');
  await checkAccessibility();

  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(
    destinationRow('worker-1').getByRole('list', {
      name: 'Labels of worker-1',
    }),
  ).toContainText('environment=dev');
  await screenshot(page, '06-worker-1-environment-dev');
});

test('the dependencies are placed on worker-1', async () => {
  await openPromise('elastic-cloud');
  await expect(page.getByTestId('promise-scheduling')).toHaveText(
    'Dependencies placed on worker-1',
  );
  await expect(
    page.getByRole('table', { name: 'Dependencies' }).getByRole('row', {
      name: /elastic-cloud-static-deps/,
    }),
  ).toContainText('worker-1');
  await screenshot(page, '07-promise-dependencies-placed');
  await checkAccessibility();
});

test('a resource is requested with enableDataCollection checked', async () => {
  await page.getByRole('button', { name: 'Request elastic-cloud' }).click();
  await page
    .getByRole('textbox', { name: 'Name', exact: true })
    .fill('example');
  const collect = page.getByRole('checkbox', { name: /enableDataCollection/ });
  await expect(collect).not.toBeChecked();
  await expect(
    page.getByText('Deploy Beats to collect metrics', { exact: false }),
  ).toBeVisible();
  await collect.check();
  await screenshot(page, '08-request-form');
  await checkAccessibility();

  await page.getByRole('button', { name: 'Request' }).click();
  await expect(page.getByTestId('request-progress')).toContainText(
    'pvCapacity=large',
  );
  await screenshot(page, '09-request-following');
});

test('its page says it needs pvCapacity=large and worker-1 lacks it', async () => {
  await page.getByRole('link', { name: "Open example's page" }).click();
  // From here on the page is never reloaded: this marker would be lost.
  await page.evaluate(() => {
    (window as any).kratixNotReloaded = true;
  });
  const message = page.getByTestId('scheduling-message');
  await expect(message).toContainText('environment=dev, pvCapacity=large');
  await expect(message).toContainText('worker-1 lacks pvCapacity=large');

  const required = page.getByRole('table', { name: 'Labels required for .' });
  await expect(
    required.getByRole('row', { name: /environment=dev/ }),
  ).toContainText('the Promise');
  await expect(
    required.getByRole('row', { name: /pvCapacity=large/ }),
  ).toContainText('a resource workflow');
  await expect(
    page.getByRole('list', { name: 'Destinations for .' }),
  ).toContainText('worker-1 lacks pvCapacity=large');
  await screenshot(page, '10-resource-needs-pvcapacity-large');
  await checkAccessibility();
});

test('the what-if shows that adding pvCapacity=large to worker-1 would place it', async () => {
  const whatIf = page.getByRole('form', { name: 'What-if label change' });
  await whatIf.getByLabel('Label key').fill('pvCapacity');
  await whatIf.getByLabel('Label value').fill('large');
  await whatIf.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByLabel('What-if outcome')).toContainText(
    'Adding pvCapacity=large to worker-1 would place this resource on worker-1.',
  );
  // Nothing has changed yet.
  await expect(page.getByTestId('scheduling-message')).toContainText(
    'worker-1 lacks pvCapacity=large',
  );
  await screenshot(page, '11-what-if-pvcapacity-large');
  await checkAccessibility();
});

test('adding it turns the page to "Scheduled on worker-1" without a reload', async () => {
  await page
    .getByRole('button', { name: 'Add pvCapacity=large to worker-1' })
    .click();
  await expect(page.getByTestId('scheduling-message')).toHaveText(
    'Scheduled on worker-1',
  );
  expect(await page.evaluate(() => (window as any).kratixNotReloaded)).toBe(
    true,
  );
  await expect(
    page.getByRole('table', { name: 'Workload groups' }),
  ).toContainText('worker-1');
  await screenshot(page, '12-resource-scheduled-on-worker-1');
  await checkAccessibility();
});

test('a label added outside the portal shows up on an open Destinations page by itself', async ({
  request,
}) => {
  // The user does nothing on this page: only the backend's change signal
  // can make it refetch (the signals API is installed, so it does not poll).
  await page.getByRole('tab', { name: 'Destinations' }).click();
  const labels = destinationRow('worker-1').getByRole('list', {
    name: 'Labels of worker-1',
  });
  await expect(labels).toContainText('pvCapacity=large');
  const signalsBefore = changeSignals;
  const res = await request.patch(
    `${kratixApi}/apis/platform.kratix.io/v1alpha1/destinations/worker-1`,
    {
      headers: {
        ...authHeaders(),
        'Content-Type': 'application/merge-patch+json',
      },
      data: { metadata: { labels: { zone: 'eu-1' } } },
    },
  );
  expect(res.status(), await res.text()).toBe(200);
  await expect(labels).toContainText('zone=eu-1');
  expect(changeSignals).toBeGreaterThan(signalsBefore);
  expect(await page.evaluate(() => (window as any).kratixNotReloaded)).toBe(
    true,
  );
  await screenshot(page, '13-destinations-live-update');
});

test('the request is in the catalog, and the team owning the Promise lists the guest', async () => {
  await page.goto('/catalog/default/component/elastic-cloud-default-example');
  await expect(
    page.getByRole('heading', { name: 'example (elastic-cloud)' }),
  ).toBeVisible();
  await expect(page.getByText('Scheduled on worker-1')).toBeVisible();
  await screenshot(page, '14-catalog-request');
  await page.getByRole('link', { name: 'elastic-cloud', exact: true }).click();
  await page.getByRole('link', { name: 'platform-team' }).first().click();
  await expect(page).toHaveURL(/\/catalog\/default\/group\/platform-team$/);
  await expect(page.getByRole('link', { name: 'Guest' })).toBeVisible();
  await screenshot(page, '15-catalog-platform-team');
});

test('a developer requests one from the software template too, and follows it to where it runs', async () => {
  await sidebar(page).getByRole('link', { name: 'Create' }).click();
  await page
    .getByRole('article')
    .filter({ hasText: 'Request elastic-cloud' })
    .getByRole('button', { name: 'Choose' })
    .click();
  await page.locator('#root_name').fill('from-template');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Enable data collection').check();
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText('requested from the elastic-cloud Promise'),
  ).toContainText('default/from-template');
  await screenshot(page, '16-template-task');
  await page
    .getByRole('link', { name: 'Where it runs, or why not yet' })
    .click();
  await expect(page.getByTestId('scheduling-message')).toHaveText(
    'Scheduled on worker-1',
  );
  await expect(
    page.getByRole('table', { name: 'Files written' }),
  ).toContainText(
    'worker-1/resources/default/elastic-cloud/from-template/instance-configure',
  );
  await screenshot(page, '17-template-request-scheduled');
});

test('no page of the tutorial has a serious or critical axe violation', async () => {
  expect(axeFindings).toEqual([]);
});

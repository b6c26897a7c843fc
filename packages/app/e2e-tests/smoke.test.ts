import { expect, test } from '@playwright/test';
import { expectAccessible, screenshot, sidebar, signInAsGuest } from './portal';

test('the portal signs a guest in and shows Kratix in the sidebar', async ({
  page,
}) => {
  await signInAsGuest(page);
  const nav = sidebar(page);
  await expect(nav.getByRole('link', { name: 'Catalog' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Kratix' })).toBeVisible();
  await screenshot(page, '00-signed-in');
  await expectAccessible(page);
});

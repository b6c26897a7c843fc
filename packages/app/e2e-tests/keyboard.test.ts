/*
 * The Destinations page without a mouse: a label change is reachable, can be
 * typed and previewed, and cancelled, with the keyboard alone. It changes
 * nothing, so it runs before the tutorial on the starting state.
 */
import { expect, Locator, Page, test } from '@playwright/test';
import { signInAsGuest } from './portal';

/** Presses Tab until `target` has the focus. */
async function tabTo(page: Page, target: Locator) {
  for (let i = 0; i < 40; i++) {
    if (await target.evaluate(el => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${target} is not reachable with Tab`);
}

test('a label change on the Destinations page works from the keyboard', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/kratix/destinations');
  await expect(page.getByTestId('destination-worker-1')).toBeVisible();

  await tabTo(
    page,
    page.getByRole('button', { name: 'Add label to worker-1' }),
  );
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add label to worker-1' });
  await expect(dialog).toBeVisible();

  await tabTo(page, dialog.getByRole('textbox', { name: 'Label key' }));
  await page.keyboard.type('environment');
  await page.keyboard.press('Tab');
  await page.keyboard.type('dev');
  // Enter in the form previews; nothing is changed yet.
  await page.keyboard.press('Enter');
  await expect(
    dialog.getByRole('region', { name: 'What this change would do' }),
  ).toContainText('Nothing would be scheduled or marked misplaced.');

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(
    page.getByTestId('destination-worker-1').getByText('no labels'),
  ).toBeVisible();
});

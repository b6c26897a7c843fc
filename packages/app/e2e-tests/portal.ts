/*
 * What every browser test needs: sign in, call the Kratix API as a script
 * would, save a screenshot per step, and check a page with axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const screenshotDir = join(__dirname, 'screenshots');

export function sidebar(page: Page) {
  return page.getByRole('navigation', { name: 'sidebar nav' });
}

export async function signInAsGuest(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  // The nav element itself has no box of its own; its links do.
  await expect(
    sidebar(page).getByRole('link', { name: 'Catalog' }),
  ).toBeVisible();
}

/**
 * The whole page: the viewport grows to the page's height for the shot, so
 * the fixed sidebar spans it too (a full-page capture would cut it off).
 */
export async function screenshot(page: Page, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(
    () => document.documentElement.scrollHeight,
  );
  await page.setViewportSize({
    ...viewport,
    height: Math.max(viewport.height, height),
  });
  // Transitions (a button turning enabled, a ripple) shown as they end.
  await page.screenshot({
    path: join(screenshotDir, `${name}.png`),
    animations: 'disabled',
  });
  await page.setViewportSize(viewport);
}

/** Serious or critical axe violations on the page, each with its rule and where. */
export async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(
      v =>
        `${new URL(page.url()).pathname}: ${v.impact} ${v.id}: ${
          v.help
        } at ${v.nodes
          .map(n => n.target.join(' '))
          .slice(0, 5)
          .join(', ')}`,
    );
}

export async function expectAccessible(page: Page) {
  expect(await axeViolations(page)).toEqual([]);
}

export const kratixApi = '/api/kratix';

export function authHeaders() {
  return { Authorization: `Bearer ${process.env.KRATIX_API_TOKEN}` };
}

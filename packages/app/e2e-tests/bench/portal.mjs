#!/usr/bin/env node
/*
 * The Destinations page with 10,000 destinations, in Chromium: starts the
 * portal as scripts/start.sh does (free port, throwaway data), creates the
 * destinations through POST /apply, then prints the time from navigation to
 * the first rows and from submitting a label selector to its filtered rows.
 * A measurement to read, not a test: nothing here passes or fails on time.
 *
 *   yarn bench:portal [--destinations 10000] [--runs 3]
 */
/* eslint-disable no-console */ // a command-line tool: printing is its output
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('destinations', 10_000);
const RUNS = arg('runs', 3);
const CHUNK = 500;
const SELECTOR = 'environment=dev,pvCapacity in (large)';

// Every third destination is dev, every hundredth has large volumes: the
// selector matches the multiples of 300.
const nameOf = i => `bench-${String(i).padStart(5, '0')}`;
const labelsOf = i => ({
  environment: ['dev', 'staging', 'prod'][i % 3],
  zone: `zone-${i % 10}`,
  ...(i % 100 === 0 ? { pvCapacity: 'large' } : {}),
});
const expected = [];
for (let i = 0; i < COUNT; i++) if (i % 300 === 0) expected.push(nameOf(i));

const freePort = () =>
  new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'kratix-bench-'));
const token = `bench-${Date.now()}`;
const base = `http://localhost:${port}`;
const api = `http://127.0.0.1:${port}/api/kratix`;
const auth = { Authorization: `Bearer ${token}` };

// The portal's log, kept after the run for when something goes wrong.
const log = join(tmpdir(), `kratix-bench-portal-${port}.log`);
const logFd = openSync(log, 'w');
console.log(`portal on ${base}, its log in ${log}`);
const portal = spawn('bash', ['scripts/start.sh'], {
  cwd: root,
  detached: true,
  stdio: ['ignore', logFd, logFd],
  env: {
    ...process.env,
    KRATIX_PORT: String(port),
    KRATIX_DATA_DIR: dataDir,
    KRATIX_API_TOKEN: token,
    KRATIX_SKIP_INSTALL: '1',
  },
});
let stopped = false;
const stop = () => {
  if (stopped) return;
  stopped = true;
  try {
    process.kill(-portal.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('exit', () => {
  stop();
  rmSync(dataDir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

async function waitFor(what, check, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (portal.exitCode !== null)
      throw new Error(`the portal exited while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ms = t => `${Math.round(t)} ms`;
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await waitFor(
    'the portal to start',
    async () =>
      (
        await fetch(`http://127.0.0.1:${port}/.backstage/health/v1/readiness`)
      ).ok,
    600_000,
  );

  const createStart = performance.now();
  for (let from = 0; from < COUNT; from += CHUNK) {
    const docs = [];
    for (let i = from; i < Math.min(from + CHUNK, COUNT); i++) {
      docs.push(
        JSON.stringify({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Destination',
          metadata: { name: nameOf(i), labels: labelsOf(i) },
          spec: {
            stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          },
        }),
      );
    }
    const res = await fetch(`${api}/apply`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/yaml' },
      body: docs.join('\n---\n'),
    });
    if (!res.ok)
      throw new Error(`apply failed: ${res.status} ${await res.text()}`);
  }
  console.log(
    `created ${COUNT} destinations in ${ms(performance.now() - createStart)}`,
  );

  // Measure a settled portal, not one still writing canary files.
  const last = nameOf(COUNT - 1);
  await waitFor(
    `${last} to be Ready`,
    async () => {
      const res = await fetch(
        `${api}/apis/platform.kratix.io/v1alpha1/destinations/${last}`,
        {
          headers: auth,
        },
      );
      const d = await res.json();
      return (d.status?.conditions ?? []).some(
        c => c.type === 'Ready' && c.status === 'True',
      );
    },
    1_800_000,
  );

  const browser = await chromium.launch({
    executablePath: process.env.KRATIX_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await (await browser.newContext({ baseURL: base })).newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByRole('link', { name: 'Kratix' })
    .waitFor();

  const rows = page.locator('[data-testid^="destination-"]');
  const firstRows = [];
  const filtered = [];
  for (let run = 0; run < RUNS; run++) {
    // A fresh app load each run: nothing cached in the page.
    await page.goto('/settings');
    await page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Kratix' })
      .waitFor();
    let t = performance.now();
    await page.goto('/kratix/destinations');
    await rows.first().waitFor();
    firstRows.push(performance.now() - t);

    await page.getByLabel('Label selector').fill(SELECTOR);
    t = performance.now();
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(
      want => {
        const shown = [
          ...document.querySelectorAll('[data-testid^="destination-"]'),
        ].map(e => e.getAttribute('data-testid').slice('destination-'.length));
        return (
          shown.length === want.length && shown.every((n, i) => n === want[i])
        );
      },
      expected.slice(0, 25),
      { timeout: 120_000 },
    );
    filtered.push(performance.now() - t);
  }
  await browser.close();

  console.log(
    `Destinations page with ${COUNT} destinations, ${RUNS} runs in Chromium:`,
  );
  console.log(
    `  time to first rows:       median ${ms(median(firstRows))} (${firstRows
      .map(ms)
      .join(', ')})`,
  );
  console.log(
    `  time to filtered result:  median ${ms(median(filtered))} (${filtered
      .map(ms)
      .join(', ')}) for "${SELECTOR}", ${expected.length} matches`,
  );
} finally {
  stop();
}

/*
 * Browser tests: the portal as `scripts/start.sh` starts it (the real backend
 * serving the built app), on a free port with a throwaway data directory,
 * driven in Debian's Chromium. `yarn test:e2e`; scripts/test.sh runs it.
 */
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Workers re-read this file; the environment carries the first choice to them.
const env = process.env;
env.KRATIX_PORT ??= execFileSync(process.execPath, [
  '-e',
  "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
])
  .toString()
  .trim();
const ownDataDir = !env.KRATIX_DATA_DIR;
env.KRATIX_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'kratix-e2e-'));
env.KRATIX_API_TOKEN ??= `e2e-${Date.now()}-${process.pid}`;
// The data lives for one run. Removed when the runner exits, after it has
// stopped the portal (a global teardown runs while the portal still writes);
// workers (TEST_WORKER_INDEX) come and go during the run and leave it alone.
if (ownDataDir && !env.TEST_WORKER_INDEX) {
  const dataDir = env.KRATIX_DATA_DIR;
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}

const results = 'packages/app/e2e-tests/results';
mkdirSync(results, { recursive: true });

const chromiumPath = env.KRATIX_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  testMatch: '*.test.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // One portal, one tutorial: its steps depend on each other.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!env.CI,
  reporter: [['list'], ['json', { outputFile: `${results}/results.json` }]],
  outputDir: `${results}/artifacts`,
  webServer: {
    // The portal's log goes to a file: the backend says a lot.
    command: `bash scripts/start.sh > ${results}/portal.log 2>&1`,
    url: `http://127.0.0.1:${env.KRATIX_PORT}/.backstage/health/v1/readiness`,
    timeout: 600_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  },
  use: {
    baseURL: `http://localhost:${env.KRATIX_PORT}`,
    actionTimeout: 30_000,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromiumPath,
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
    },
  },
});

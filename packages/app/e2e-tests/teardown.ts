import { rmSync } from 'node:fs';

// The portal's data directory lives only for one run.
export default function teardown() {
  const dir = process.env.KRATIX_DATA_DIR;
  if (dir && dir.includes('kratix-e2e-')) {
    rmSync(dir, { recursive: true, force: true });
  }
}

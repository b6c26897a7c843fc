// .yarnrc.yml's yarnPath: lets a plain `yarn install` / `yarn start` work in a
// fresh clone. The Yarn release is not committed (it names a registry host);
// this fetches the pinned one through npm, from whatever registry npm is
// configured for, then runs it in this process.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const version = require('../package.json').packageManager.replace(/^yarn@/, '');
const release = path.join(
  __dirname,
  '..',
  '.yarn',
  'releases',
  `yarn-${version}.cjs`,
);

if (!fs.existsSync(release)) {
  process.stderr.write(`Fetching Yarn ${version} through npm...\n`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yarn-bootstrap-'));
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', '--silent', `@yarnpkg/cli-dist@${version}`],
      { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ).trim();
    execFileSync('tar', ['xzf', tarball], { cwd: tmp, stdio: 'inherit' });
    fs.mkdirSync(path.dirname(release), { recursive: true });
    fs.copyFileSync(
      path.join(tmp, 'package', 'bin', 'yarn.js'),
      `${release}.tmp`,
    );
    fs.renameSync(`${release}.tmp`, release);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Yarn treats itself as the yarnPath binary because process.argv[1] is this
// file, so it runs instead of re-launching yarnPath.
require(release);

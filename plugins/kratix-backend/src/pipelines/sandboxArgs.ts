import fs from 'node:fs';
import path from 'node:path';

/** How a top-level system directory appears on the host. */
export type HostRootEntry =
  | { path: string; symlink: string }
  | { path: string; directory: true };

const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * Merged-/usr hosts (Debian, Fedora) have /bin -> usr/bin and friends; others
 * have real directories. Mirroring the host keeps shebangs like `#!/bin/bash`
 * working without exposing anything outside /usr.
 */
export function describeHostRoot(): HostRootEntry[] {
  const entries: HostRootEntry[] = [];
  for (const dir of SYSTEM_DIRS) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) {
      entries.push({ path: dir, symlink: fs.readlinkSync(dir) });
    } else if (stat.isDirectory()) {
      entries.push({ path: dir, directory: true });
    }
  }
  return entries;
}

export interface SandboxSpec {
  argv: string[];
  env: Record<string, string>;
  inputDir: string;
  outputDir: string;
  metadataDir: string;
  /** Host directories holding the image's executable, visible read-only. */
  readOnlyDirs: string[];
  hostRoot: HostRootEntry[];
}

export const SANDBOX_BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/tmp',
};

/** The bwrap command line that runs `argv` with the `/kratix` contract. */
export function bwrapArgs(spec: SandboxSpec): string[] {
  const args = [
    // No network, no view of host processes or IPC; as root we would keep
    // every capability (including remounting /usr read-write) unless dropped.
    '--unshare-all',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    // Detaches from our controlling terminal so the pipeline cannot inject
    // keystrokes into it (TIOCSTI).
    '--new-session',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const entry of spec.hostRoot) {
    if ('symlink' in entry) {
      args.push('--symlink', entry.symlink, entry.path);
    } else {
      args.push('--ro-bind-try', entry.path, entry.path);
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // After the /tmp tmpfs, so an executable kept under /tmp stays visible.
  for (const dir of minimalCover(spec.readOnlyDirs)) {
    args.push('--ro-bind', dir, dir);
  }
  args.push(
    '--ro-bind',
    spec.inputDir,
    '/kratix/input',
    '--bind',
    spec.outputDir,
    '/kratix/output',
    '--bind',
    spec.metadataDir,
    '/kratix/metadata',
    '--chdir',
    '/kratix',
    '--clearenv',
  );
  for (const [name, value] of Object.entries({
    ...SANDBOX_BASE_ENV,
    ...spec.env,
  })) {
    assertEnvName(name);
    args.push('--setenv', name, value);
  }
  args.push('--', ...spec.argv);
  return args;
}

const RESERVED_DIRS = ['/kratix', '/proc', '/dev'];

/** Drops directories already visible: under /usr or under another entry. */
function minimalCover(dirs: string[]): string[] {
  const sorted = [...new Set(dirs.map(d => path.resolve(d)))].sort();
  const kept: string[] = [];
  for (const dir of sorted) {
    if (
      RESERVED_DIRS.some(reserved => isWithin(dir, reserved)) ||
      dir === '/tmp' ||
      dir === '/'
    ) {
      // Binding / or /tmp would expose much more of the host than one
      // executable; the others belong to the sandbox itself.
      throw new Error(
        `refusing to expose "${dir}" inside the pipeline sandbox; keep pipeline executables in a directory of their own`,
      );
    }
    if (!['/usr', ...kept].some(parent => isWithin(dir, parent))) {
      kept.push(dir);
    }
  }
  return kept;
}

function isWithin(dir: string, parent: string): boolean {
  return dir === parent || dir.startsWith(`${parent}/`);
}

function assertEnvName(name: string): void {
  if (name === '' || name.includes('=') || name.includes('\0')) {
    throw new Error(`invalid environment variable name "${name}"`);
  }
}

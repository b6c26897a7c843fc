import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) {
      throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

/**
 * Real Git over SSH: OpenSSH's sshd on 127.0.0.1 with a throwaway host key,
 * accepting one throwaway client key for the current user, whose login
 * shell runs git-upload-pack and git-receive-pack as for any Git host.
 */
export class TestSshServer {
  private process?: ChildProcess;
  private stderr = '';

  private constructor(
    private readonly dir: string,
    readonly port: number,
    readonly clientPrivateKey: string,
    readonly knownHosts: string,
  ) {}

  static async start(): Promise<TestSshServer> {
    if (!fs.existsSync(SSHD)) {
      throw new Error(
        `${SSHD} is missing: install openssh-server (scripts/test.sh does, as root)`,
      );
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-sshd-'));
    const keygen = (file: string) =>
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    keygen(path.join(dir, 'host_key'));
    keygen(path.join(dir, 'client_key'));
    fs.copyFileSync(
      path.join(dir, 'client_key.pub'),
      path.join(dir, 'authorized_keys'),
    );
    const port = await freePort();
    fs.writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The temporary directory's modes are not sshd's business here.
        'StrictModes no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    if (process.getuid?.() === 0) {
      // sshd's privilege separation directory (Debian's service creates it).
      fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    }
    const hostKey = fs
      .readFileSync(path.join(dir, 'host_key.pub'), 'utf8')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    const server = new TestSshServer(
      dir,
      port,
      fs.readFileSync(path.join(dir, 'client_key'), 'utf8'),
      `[127.0.0.1]:${port} ${hostKey}\n`,
    );
    await server.resume();
    return server;
  }

  /** An ssh:// URL of a repository on this machine, for the current user. */
  url(repoPath: string) {
    return `ssh://${os.userInfo().username}@127.0.0.1:${this.port}${repoPath}`;
  }

  async resume() {
    const child = spawn(
      SSHD,
      ['-D', '-e', '-f', path.join(this.dir, 'sshd_config')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr!.on('data', d => {
      this.stderr += d;
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', code =>
        reject(new Error(`sshd exited (${code}): ${this.stderr}`)),
      ),
    );
    exited.catch(() => undefined);
    this.process = child;
    await Promise.race([waitForPort(this.port, 10_000), exited]);
  }

  /** Stops sshd: new connections are refused until resume(). */
  async pause() {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = undefined;
    await new Promise<void>(resolve => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async stop() {
    await this.pause();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

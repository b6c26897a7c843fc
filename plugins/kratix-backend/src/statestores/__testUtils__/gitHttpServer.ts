import { spawn } from 'node:child_process';
import http from 'node:http';
import { PausableHttpServer } from './pausableHttpServer';

/**
 * Real Git over HTTP: `git http-backend` (Git's own smart HTTP server, run
 * as a CGI program) behind a Node server that demands basic auth.
 */
export class TestGitHttpServer extends PausableHttpServer {
  /** Pushes it accepted to run (git-receive-pack POSTs). */
  pushes = 0;
  /** Every HTTP request it answered. */
  requests = 0;

  private constructor(
    private readonly projectRoot: string,
    private readonly username: string,
    private readonly password: string,
  ) {
    super();
  }

  static async start(options: {
    projectRoot: string;
    username: string;
    password: string;
  }) {
    const server = new TestGitHttpServer(
      options.projectRoot,
      options.username,
      options.password,
    );
    await server.resume();
    return server;
  }

  url(repo: string) {
    return `http://127.0.0.1:${this.port}/${repo}.git`;
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse) {
    this.requests++;
    const expected = `Basic ${Buffer.from(
      `${this.username}:${this.password}`,
    ).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('unauthorised\n');
      return;
    }
    const url = new URL(req.url!, 'http://localhost');
    if (req.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) {
      this.pushes++;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        REMOTE_USER: this.username,
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head
        .subarray(0, end)
        .toString('latin1')
        .split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = parseInt(value, 10);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => {
      if (!headersDone) res.writeHead(502);
      res.end();
    });
    cgi.on('error', () => res.destroy());
  }

  stop() {
    return this.pause();
  }
}

import { execFile } from 'node:child_process';
import { mockCredentials } from '@backstage/backend-test-utils';

/*
 * A request from another process. The bench's backend runs in the bench's
 * own process, so an in-process client reads its answer only when the
 * event loop it shares with the reconciles the request set off gets to it:
 * a PATCH the backend had answered in 15 ms was read after 300 ms. A
 * client of its own, as a browser or kubectl is, times the answer itself.
 */
const CLIENT = `
const [url, method, auth, body] = process.argv.slice(1);
const sentAt = Date.now();
const t0 = performance.now();
fetch(url, {
  method,
  headers: { authorization: auth, 'content-type': 'application/merge-patch+json' },
  body,
}).then(async res => {
  const text = await res.text();
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ status: res.status, text, sentAt, ms }));
}, error => { console.error(String(error)); process.exit(1); });
`;

export interface OutsideAnswer {
  status: number;
  text: string;
  /** Wall clock (ms since the epoch) when the client sent the request. */
  sentAt: number;
  /** From sending to the whole answer read, by the client's clock. */
  ms: number;
}

/** A merge PATCH of `url` (the backend's, not supertest's) from a Node process of its own. */
export function patchFromOutside(
  url: string,
  body: unknown,
): Promise<OutsideAnswer> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '-e',
        CLIENT,
        url,
        'PATCH',
        mockCredentials.user.header(),
        JSON.stringify(body),
      ],
      (error, stdout, stderr) => {
        if (error) reject(new Error(`outside client: ${stderr || error}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

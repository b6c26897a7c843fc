import http from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';
import { serveWatch } from './watch';

describe('serveWatch', () => {
  it('puts each event on the wire at once, not on the next tick', async () => {
    // What the socket still held back when the stream asked for the next
    // event, i.e. right after the previous one was sent. Node corks a
    // response at each write until the next tick, and under load the
    // engine's synchronous SQLite calls keep that tick away for many ms.
    const corkedAfterSend: number[] = [];
    const app = express();
    app.get('/watch', (_req, res) => {
      serveWatch(res, { allowBookmarks: false }, () => {
        async function* events() {
          for (const name of ['a', 'b', 'c']) {
            yield { type: 'ADDED', object: { metadata: { name } } };
            corkedAfterSend.push(res.socket?.writableCorked ?? -1);
          }
        }
        return Object.assign(events(), { accepted: Promise.resolve() });
      });
    });
    const server = http.createServer(app);
    await new Promise<void>(resolve => server.listen(0, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const text = await (await fetch(`http://127.0.0.1:${port}/watch`)).text();
      expect(
        text
          .trim()
          .split('\n')
          .map(l => JSON.parse(l)),
      ).toEqual(
        ['a', 'b', 'c'].map(name => ({
          type: 'ADDED',
          object: { metadata: { name } },
        })),
      );
      expect(corkedAfterSend).toEqual([0, 0, 0]);
    } finally {
      server.close();
    }
  });
});

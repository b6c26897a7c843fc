import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import S3rver from 's3rver';
import { PausableHttpServer } from './pausableHttpServer';

/*
 * s3rver encrypts its ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node 17+) no longer offers: every truncated listing fails with
 * InternalError. The token is opaque to clients, so DES is swapped for
 * AES-128 with the same 8-byte key and IV, zero-padded.
 */
function allowS3rverContinuationTokens() {
  const pad = (b: crypto.BinaryLike) => {
    const out = Buffer.alloc(16);
    Buffer.from(b as Buffer).copy(out);
    return out;
  };
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = crypto[name] as any;
    if (original.s3rverShim) continue;
    const shim = (algorithm: string, key: any, iv: any, ...rest: any[]) =>
      algorithm === 'des'
        ? original('aes-128-cbc', pad(key), pad(iv), ...rest)
        : original(algorithm, key, iv, ...rest);
    (shim as any).s3rverShim = true;
    (crypto as any)[name] = shim;
  }
}
allowS3rverContinuationTokens();

/*
 * s3rver's DeleteObjects removes keys in parallel, each pruning the
 * directories it leaves empty, so two keys of one directory race (ENOENT,
 * 500) and the client's retry doubles the request count. S3 has no such
 * race: deletes are taken one at a time here.
 */
function serialiseDeletes(store: any) {
  const deleteObject = store.deleteObject.bind(store);
  let queue: Promise<unknown> = Promise.resolve();
  store.deleteObject = (...args: unknown[]) => {
    const result = queue.then(() => deleteObject(...args));
    queue = result.catch(() => undefined);
    return result;
  };
}

export const S3_ACCESS_KEY = 'S3RVER';
export const S3_SECRET_KEY = 'S3RVER';

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1, its data on disk so it
 * can be stopped and started again on the same port with the same objects.
 * Counts the HTTP requests it answers, by method.
 */
export class TestS3Server extends PausableHttpServer {
  readonly requests: Record<string, number> = {};
  /** Uploads per `bucket/key`. */
  readonly puts = new Map<string, number>();
  private readonly s3rverHandler: http.RequestListener;

  private constructor(
    private readonly s3rver: S3rver,
    readonly directory: string,
  ) {
    super();
    this.s3rverHandler = s3rver.callback();
  }

  static async start(buckets: string[]): Promise<TestS3Server> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-s3-'));
    const s3rver = new S3rver({
      directory,
      silent: !process.env.S3RVER_LOGS,
      configureBuckets: buckets.map(name => ({ name, configs: [] })),
    });
    await (s3rver as any).configureBuckets();
    serialiseDeletes((s3rver as any).store);
    const server = new TestS3Server(s3rver, directory);
    await server.resume();
    return server;
  }

  /** `host:port`, as a BucketStateStore's `spec.endpoint` takes it. */
  get endpoint() {
    return `127.0.0.1:${this.port}`;
  }

  get totalRequests() {
    return Object.values(this.requests).reduce((a, b) => a + b, 0);
  }

  resetCounts() {
    for (const k of Object.keys(this.requests)) delete this.requests[k];
    this.puts.clear();
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse) {
    this.requests[req.method!] = (this.requests[req.method!] ?? 0) + 1;
    if (req.method === 'PUT') {
      const key = decodeURIComponent(
        new URL(req.url!, 'http://x').pathname.slice(1),
      );
      this.puts.set(key, (this.puts.get(key) ?? 0) + 1);
    }
    this.s3rverHandler(req, res);
  }

  /** Every object of a bucket with its content, straight from s3rver's store. */
  async objects(bucket: string): Promise<Record<string, string>> {
    const store = (this.s3rver as any).store;
    const result: Record<string, string> = {};
    const page = await store.listObjects(bucket, {});
    for (const o of page.objects) {
      const object = await store.getObject(bucket, o.key);
      const chunks: Buffer[] = [];
      for await (const chunk of object.content) chunks.push(chunk);
      result[o.key] = Buffer.concat(chunks).toString('utf8');
    }
    return result;
  }

  async stop() {
    await this.pause();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

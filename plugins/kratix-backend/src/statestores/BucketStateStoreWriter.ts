import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { createHash } from 'crypto';
import { checkChange, Change } from './change';
import { joinPath, normaliseDirectory, validateRelativePath } from './paths';

/** S3 takes at most this many keys in one DeleteObjects request. */
const DELETE_BATCH = 1000;
/** Uploads in flight at once for one update. */
const PUT_CONCURRENCY = 8;

const md5 = (content: string) =>
  createHash('md5').update(content, 'utf8').digest('hex');

const isNotFound = (e: unknown) =>
  e instanceof S3ServiceException &&
  (e.name === 'NotFound' ||
    e.name === 'NoSuchKey' ||
    e.$metadata?.httpStatusCode === 404);

async function inBatches<T>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<void>,
) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(fn));
  }
}

/**
 * A state store in an S3 bucket, with Kratix's S3 writer's behaviour: an
 * object whose MD5 (its ETag, for the single-part uploads written here)
 * matches the content is not uploaded again, and removals delete exactly
 * the keys asked for. A bucket has no transactions: writes go first, then
 * removals, so an interrupted update is finished by repeating it.
 */
export class BucketStateStoreWriter implements StateStoreWriter {
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** The store's `spec.path`: every key starts with it. */
    path: string | undefined,
  ) {
    this.prefix = normaliseDirectory(path);
  }

  private key(path: string) {
    return joinPath(this.prefix, path);
  }

  async update(change: Change): Promise<void> {
    const { writes, removes } = checkChange(change);
    const etags = await this.etagsOf(writes.map(w => this.key(w.path)));
    const changed = writes.filter(
      w => etags.get(this.key(w.path)) !== md5(w.content),
    );
    await inBatches(changed, PUT_CONCURRENCY, async w => {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(w.path),
          Body: w.content,
          ContentType: 'application/yaml',
        }),
      );
    });
    for (let i = 0; i < removes.length; i += DELETE_BATCH) {
      const batch = removes.slice(i, i + DELETE_BATCH);
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: {
            Objects: batch.map(p => ({ Key: this.key(p) })),
            Quiet: true,
          },
        }),
      );
      const failed = (result.Errors ?? []).filter(e => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(
          `could not delete ${failed.length} object(s) from bucket "${
            this.bucket
          }": ${failed
            .slice(0, 3)
            .map(e => `${e.Key}: ${e.Code} ${e.Message ?? ''}`.trim())
            .join('; ')}`,
        );
      }
    }
  }

  /**
   * The ETags of the keys that exist. A directory holding several of them
   * is listed (one request per thousand objects) instead of asked about
   * key by key.
   */
  private async etagsOf(keys: string[]): Promise<Map<string, string>> {
    const byDir = new Map<string, string[]>();
    for (const key of keys) {
      const dir = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
      byDir.set(dir, [...(byDir.get(dir) ?? []), key]);
    }
    const etags = new Map<string, string>();
    await Promise.all(
      [...byDir].map(async ([dir, inDir]) => {
        if (inDir.length === 1) {
          const etag = await this.head(inDir[0]);
          if (etag !== undefined) etags.set(inDir[0], etag);
          return;
        }
        const wanted = new Set(inDir);
        for await (const object of this.objects(dir ? `${dir}/` : '', '/')) {
          if (wanted.has(object.key)) etags.set(object.key, object.etag);
        }
      }),
    );
    return etags;
  }

  private async head(key: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return unquote(result.ETag);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async *objects(prefix: string, delimiter?: string) {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) yield { key: o.Key, etag: unquote(o.ETag) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async read(path: string): Promise<string | undefined> {
    const key = this.key(validateRelativePath(path));
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return (await result.Body?.transformToString('utf8')) ?? '';
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list(dir: string): Promise<string[]> {
    const below = joinPath(this.prefix, normaliseDirectory(dir));
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys: string[] = [];
    for await (const o of this.objects(below ? `${below}/` : '')) {
      keys.push(o.key.slice(strip));
    }
    return keys.sort();
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

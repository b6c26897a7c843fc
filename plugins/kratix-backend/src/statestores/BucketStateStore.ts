import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import {
  StateStoreWriter,
  StateStoreWriterFactory,
} from '@kratix-backstage/plugin-kratix-node';
import { BucketStateStoreWriter } from './BucketStateStoreWriter';
import { redactingWriter } from './redactingWriter';
import { SecretSource, secretDataFor } from './secrets';
import { secretRefSchema, stateStorePathSchema } from './stateStoreSchemas';

export const BUCKET_STATE_STORE_KIND = 'BucketStateStore';

/** Kratix's CRD schema (platform.kratix.io_bucketstatestores), with its webhook's rule. */
export const bucketStateStoreSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['bucketName', 'endpoint'],
      properties: {
        bucketName: { type: 'string', minLength: 3 },
        endpoint: { type: 'string', minLength: 1 },
        path: stateStorePathSchema,
        insecure: { type: 'boolean' },
        useDualStack: { type: 'boolean' },
        authMethod: {
          type: 'string',
          enum: ['accessKey', 'IAM'],
          default: 'accessKey',
        },
        secretRef: secretRefSchema,
      },
      // Kratix's webhook: accessKey needs the secret holding the keys.
      if: {
        required: ['authMethod'],
        properties: { authMethod: { const: 'IAM' } },
      },
      else: { required: ['secretRef'] },
    },
  },
};

/**
 * `spec.endpoint` as Kratix (minio-go) takes it, `host[:port]`, with
 * `spec.insecure` choosing plain HTTP; a full URL is accepted too.
 */
export function endpointUrl(endpoint: string, insecure: boolean): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)
    ? endpoint
    : `${insecure ? 'http' : 'https'}://${endpoint}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint "${endpoint}" must use http or https`);
  }
  return url;
}

/** The region in an AWS endpoint's host name; any other service takes the default. */
function regionOf(host: string): string {
  const match = /(?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  return match && match[1] !== 'external-1' ? match[1] : 'us-east-1';
}

export interface BucketStateStoreWriterFactoryOptions {
  secrets: SecretSource;
  /** Adjusts the S3 client's settings, e.g. timeouts in tests. */
  clientConfig?: Partial<S3ClientConfig>;
}

/** `BucketStateStore`s: S3 and S3-compatible services (MinIO, ...). */
export class BucketStateStoreWriterFactory implements StateStoreWriterFactory {
  readonly kind = BUCKET_STATE_STORE_KIND;
  readonly plural = 'bucketstatestores';
  readonly schema = bucketStateStoreSchema;

  constructor(private readonly options: BucketStateStoreWriterFactoryOptions) {}

  async create(stateStore: KubeObject): Promise<StateStoreWriter> {
    const name = stateStore.metadata?.name ?? '';
    const fail = (why: string) =>
      new Error(`${BUCKET_STATE_STORE_KIND} "${name}": ${why}`);
    if (stateStore.kind !== BUCKET_STATE_STORE_KIND) {
      throw fail(`cannot serve a state store of kind "${stateStore.kind}"`);
    }
    const spec = stateStore.spec ?? {};
    let url: URL;
    try {
      url = endpointUrl(String(spec.endpoint ?? ''), spec.insecure === true);
    } catch (e) {
      throw fail(`spec.endpoint: ${(e as Error).message}`);
    }
    const authMethod = spec.authMethod ?? 'accessKey';
    let credentials: S3ClientConfig['credentials'];
    if (authMethod === 'accessKey') {
      const data = secretDataFor(stateStore, this.options.secrets, {
        required: ['accessKeyID', 'secretAccessKey'],
      });
      credentials = {
        accessKeyId: data.accessKeyID,
        secretAccessKey: data.secretAccessKey,
      };
    } else if (authMethod !== 'IAM') {
      throw fail(`unknown authMethod: ${authMethod}`);
    }
    // With IAM the SDK's default chain finds the role (instance profile,
    // web identity, environment), as minio-go's IAM provider does.
    const isAws = url.hostname.endsWith('.amazonaws.com');
    const client = new S3Client({
      endpoint: url.toString(),
      region: regionOf(url.hostname),
      // MinIO and most S3-compatible services address buckets by path.
      forcePathStyle: !isAws,
      useDualstackEndpoint: spec.useDualStack === true,
      credentials,
      // Checksums only where S3 requires them: many S3-compatible services
      // refuse the newer trailing-checksum uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
      ...this.options.clientConfig,
    });
    return redactingWriter(
      new BucketStateStoreWriter(client, String(spec.bucketName), spec.path),
      this.options.secrets.values(),
      message => `bucket "${spec.bucketName}" at ${url.host}: ${message}`,
    );
  }
}

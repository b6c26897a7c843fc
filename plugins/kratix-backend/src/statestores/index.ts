export {
  FILESYSTEM_STATE_STORE_KIND,
  FilesystemStateStoreWriterFactory,
  ROOT_DIR_CONFIG_KEY,
} from './FilesystemStateStore';
export { FilesystemStateStoreWriter } from './FilesystemStateStoreWriter';
export * from './layout';
export { validateRelativePath } from './paths';
export {
  BUCKET_STATE_STORE_KIND,
  BucketStateStoreWriterFactory,
} from './BucketStateStore';
export { BucketStateStoreWriter } from './BucketStateStoreWriter';
export {
  GIT_STATE_STORE_KIND,
  GitStateStoreWriterFactory,
} from './GitStateStore';
export { GitStateStoreWriter } from './GitStateStoreWriter';
export { ConfigSecrets, SECRETS_CONFIG_KEY } from './secrets';
export type { SecretSource } from './secrets';

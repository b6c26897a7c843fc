export {
  FILESYSTEM_STATE_STORE_KIND,
  FilesystemStateStoreWriterFactory,
  ROOT_DIR_CONFIG_KEY,
} from './FilesystemStateStore';
export { FilesystemStateStoreWriter } from './FilesystemStateStoreWriter';
export * from './layout';
export { validateRelativePath } from './paths';

/**
 * The catalog module of Kratix: Promises, their APIs, resource requests and
 * Destinations as catalog entities.
 *
 * @packageDocumentation
 */
export { catalogModuleKratix as default } from './module';
export { KratixEntityProvider } from './KratixEntityProvider';
export * from './entities';

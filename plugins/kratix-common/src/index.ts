/**
 * Kratix's platform model: object types and the pure scheduling core.
 * Isomorphic and free of I/O.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './apiVersion';
export * from './wellKnown';
export * from './annotations';
export * from './status';
export * from './permissions';
export * from './labels';
export * from './labelSelector';
export * from './destinationSelectorsFile';
export * from './scheduling';
export * from './destinationCatalog';
export * from './explain';
export * from './whatIf';

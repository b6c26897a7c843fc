/**
 * Extension points and the object service of the Kratix backend plugin.
 *
 * @packageDocumentation
 */
export * from './extensions';
export * from './objectService';
export * from './permissions';
export * from './git';

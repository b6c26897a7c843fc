/**
 * Scaffolder actions for Kratix and a generated Template per Promise.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKratix as default } from './module';
export { scaffolderModuleKratix, catalogModuleKratixTemplates } from './module';
export { createResourceRequestAction } from './actions/resourceRequest';
export { createResourceWaitAction } from './actions/resourceWait';
export { createDestinationLabelAction } from './actions/destinationLabel';
export { promiseTemplate } from './templates/promiseTemplate';
export type { PromiseTemplateOptions } from './templates/promiseTemplate';
export { PromiseTemplateProvider } from './templates/PromiseTemplateProvider';

export {
  BubblewrapPipelineRunner,
  containerArgv,
} from './BubblewrapPipelineRunner';
export type { SandboxedRunResult } from './BubblewrapPipelineRunner';
export {
  readPipelinesConfig,
  DEFAULT_PIPELINE_TIMEOUT_MS,
  DEFAULT_MAX_LOG_BYTES,
} from './pipelinesConfig';
export type {
  BubblewrapPipelineRunnerOptions,
  ImageMapping,
} from './pipelinesConfig';
export { runPipeline } from './runPipeline';
export type {
  PipelineResult,
  PipelineFailureReason,
  RunPipelineOptions,
} from './runPipeline';
export { kratixEnv } from './kratixEnv';
export type { KratixEnvInput, WorkflowAction, WorkflowType } from './kratixEnv';
export {
  workloadGroupId,
  buildWorkloadGroups,
  ROOT_DIRECTORY,
} from './workloadGroups';
export type { WorkflowSelectorSource } from './workloadGroups';
export { DEFAULT_OUTPUT_LIMITS } from './outputTree';
export type { OutputLimits } from './outputTree';

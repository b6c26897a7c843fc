/*
 * The labels and finalizers Kratix puts on objects, by their Kratix names,
 * where platform teams' scripts (and the portal) look for them.
 */

export const LABEL_WORK = 'kratix.io/work';
export const LABEL_WORKLOAD_GROUP_ID = 'kratix.io/workload-group-id';
export const LABEL_PIPELINE_NAME = 'kratix.io/pipeline-name';
export const LABEL_MISPLACED = 'kratix.io/misplaced';
/** On a Destination: it never receives normal works. */
export const LABEL_DRY_RUN = 'kratix.io/dry-run';
export const LABEL_PROMISE_NAME = 'kratix.io/promise-name';
export const LABEL_RESOURCE_NAME = 'kratix.io/resource-name';

/**
 * Ours, not Kubernetes': finds an object's events without scanning its
 * namespace. A uid is a valid label value; a name may not be.
 */
export const LABEL_INVOLVED_UID = 'kratix.backstage.io/involved-uid';

/** The labels Kratix puts on its pipeline pods. */
export const LABEL_PROMISE_ID = 'kratix-promise-id';

export const LABEL_WORKFLOW_TYPE = 'kratix.io/workflow-type';

export const LABEL_WORKFLOW_ACTION = 'kratix.io/workflow-action';

/** Kratix reads a Promise's version from this label. */
export const LABEL_PROMISE_VERSION = 'kratix.io/promise-version';

export const LABEL_WORK_TYPE = 'kratix.io/work-type';

/** Kratix's label for "run the workflows again now"; removed once they ran. */
export const LABEL_MANUAL_RECONCILIATION = 'kratix.io/manual-reconciliation';

/** Kratix's label naming a WorkPlacement's destination. */
export const LABEL_DESTINATION = 'kratix.io/targetDestinationName';

/** Finalizers the engine needs to clean up before an object may go. */
export const CLEANUP_FINALIZER = 'kratix.io/cleanup';

/** Kratix's names, where a platform team's scripts may look for them. */
export const WORK_FINALIZER = 'kratix.io/work-cleanup';

export const PLACEMENT_FINALIZER =
  'finalizers.workplacement.kratix.io/repo-cleanup';

/** Only in `filepath.mode: none`, where `.kratix/` state files exist. */
export const PLACEMENT_DOT_FILES_FINALIZER =
  'finalizers.workplacement.kratix.io/kratix-dot-files-cleanup';

/** Only on Destinations with `cleanup: all`: nothing else waits for them. */
export const DESTINATION_FINALIZER = 'kratix.io/destination-cleanup';

export const ENGINE_FINALIZERS = [
  CLEANUP_FINALIZER,
  WORK_FINALIZER,
  PLACEMENT_FINALIZER,
  PLACEMENT_DOT_FILES_FINALIZER,
  DESTINATION_FINALIZER,
];

import { HumanDuration } from '@backstage/types';

/*
 * Every key here is checked when the backend starts (an unknown key or a
 * wrong type fails it, naming the key); `kratix.catalog` and
 * `kratix.scaffolder` belong to their modules' packages.
 */
export interface Config {
  kratix?: {
    /**
     * YAML files (multi-document) whose objects are created at startup when
     * they do not exist yet: the platform's starting state. Relative paths
     * resolve against the backend's working directory.
     */
    bootstrap?: string[];
    /** The change feed every replica, watch and page reads. */
    changeFeed?: {
      /**
       * How long changes are kept; a watch from an older resourceVersion is
       * told to relist (410 Expired). Default 15 minutes.
       */
      retention?: HumanDuration | string;
      /** How often old changes are dropped. Default every minute. */
      compactEvery?: HumanDuration | string;
    };
    engine?: {
      /**
       * How many objects each controller reconciles at once, on its own
       * share of the queue (so a burst for one never holds up another).
       */
      concurrency?: {
        /** Promises (their workflows). Default 2. */
        promise?: number;
        /** Resource requests (their workflows). Default 4. */
        resource?: number;
        /** Works: scheduling onto Destinations. Default 4. */
        work?: number;
        /** WorkPlacements: state store writes. Default 4. */
        placement?: number;
        /** Destinations: canary writes, clean-up. Default 2. */
        destination?: number;
      };
    };
    /** What the engine keeps of its pipeline runs (Pods) and Events. */
    records?: {
      pipelineRuns?: {
        /** Runs kept per Promise or resource request. Default 10. */
        perObject?: number;
        /** Tail of each container's output kept. Default 65536. */
        logBytesPerContainer?: number;
      };
      events?: {
        /** Dropped this long after they last happened. Default 1 hour. */
        ttl?: HumanDuration | string;
        /**
         * Kept per involved object, newest first. Default 50. Pruned every
         * perObject/5 events a replica records for the object, so it may
         * briefly carry that many more.
         */
        perObject?: number;
      };
    };
    /**
     * Secrets of the embedded engine, as Kubernetes Secrets would hold them:
     * a state store's `spec.secretRef: {name, namespace}` points at one
     * (namespace defaults to `default`). Keys as in Kratix: `accessKeyID`
     * and `secretAccessKey` for a BucketStateStore; `username` and
     * `password` (basicAuth) or `sshPrivateKey` and `knownHosts` (ssh) for a
     * GitStateStore. Take the values from environment variables
     * (`${MINIO_SECRET_KEY}`); they are redacted in logs and never returned
     * by the API.
     */
    secrets?: Array<{
      name: string;
      /** Default `default`. */
      namespace?: string;
      /** Key to value. */
      data: {
        /** @visibility secret */
        [key: string]: string;
      };
    }>;
    filesystemStateStore?: {
      /**
       * Root directory of every FilesystemStateStore: a store's `spec.path`
       * is relative to it and may not leave it.
       */
      rootDir: string;
    };
    pipelines?: {
      /**
       * Container image reference → local command (its entrypoint). A
       * string is the path of an executable; a container's own `command`
       * and `args` override it, as in Kubernetes.
       */
      images?: {
        [image: string]: string | { command: string[] };
      };
      /** Per container. Default 5 minutes. */
      timeout?: HumanDuration | string | number;
      /** Bytes of logs kept per container. */
      maxLogBytes?: number;
      /** Path of the bubblewrap binary. Default /usr/bin/bwrap. */
      bwrapPath?: string;
    };
    /** The portal's sample permission policy (packages/backend). */
    policy?: {
      /**
       * Promises nobody may request resources from: `kratix.promise.request`
       * is denied for them, allowed for every other Promise.
       */
      denyRequests?: string[];
    };
  };
}

export interface Config {
  kratix?: {
    /** The Kratix scaffolder module's settings. */
    scaffolder?: {
      /**
       * Git repositories that `kratix:resource:request` with `mode: gitops`
       * commits request manifests to. A template names one; its URL and
       * credentials never leave this config.
       */
      gitopsRepositories?: Array<{
        /** The name templates use (`gitops.repository`). */
        name: string;
        /** http:// or https:// URL of the repository. */
        url: string;
        /** Branch to commit to (default `main`). */
        branch?: string;
        /** Directory inside the repository for the manifests (default: its root). */
        path?: string;
        /** Basic auth user name. */
        username?: string;
        /**
         * Basic auth password or token.
         * @visibility secret
         */
        password?: string;
        /** Commit author (default `backstage`). */
        author?: { name?: string; email?: string };
      }>;
      /** The Template generated for each Promise. */
      templates?: {
        /** Entity ref of the templates' owner (default `group:default/platform-team`). */
        owner?: string;
        /** Generate templates at all (default true). */
        enabled?: boolean;
      };
    };
  };
}

export interface Config {
  kratix?: {
    /** The catalog module's entities. */
    catalog?: {
      /**
       * Owner of the Promise, API and Destination entities, and of requests
       * with no known requester. Default `group:default/platform-team`.
       */
      owner?: string;
    };
  };
}

/** One failing field of a 422 `Invalid` Status. */
export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

/** A Kubernetes `Status` error answer, as the Kratix backend sends it. */
export interface KubeStatus {
  kind: 'Status';
  code: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: StatusCause[] };
}

/** A failed call, carrying the backend's Status so pages can say what went wrong. */
export class KratixApiError extends Error {
  readonly status: KubeStatus;
  constructor(status: KubeStatus) {
    super(status.message || `${status.code} ${status.reason ?? 'error'}`);
    this.name = 'KratixApiError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }
}

export function isKubeStatus(value: unknown): value is KubeStatus {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as KubeStatus).kind === 'Status' &&
    typeof (value as KubeStatus).code === 'number'
  );
}

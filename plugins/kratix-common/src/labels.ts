/*
 * Kubernetes label rules. Messages mirror apimachinery's validation so a
 * platform engineer sees the same wording here as from kubectl.
 */

/** One problem found in an object, addressed by its field path (k8s style). */
export interface FieldError {
  field: string;
  message: string;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MAX = 253;

const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const encoder = new TextEncoder();
// Kubernetes counts bytes, not UTF-16 units.
const byteLength = (s: string) => encoder.encode(s).length;

const maxLenError = (n: number) => `must be no more than ${n} characters`;

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) {
    return `${msg} (regex used for validation is '${fmt}')`;
  }
  // The doubled space before "or" is apimachinery's; kept so messages compare equal.
  const e = examples.map(x => `'${x}', `).join(' or ');
  return `${msg} (e.g. ${e}regex used for validation is '${fmt}')`;
}

function validateDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX) {
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  }
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'),
    );
  }
  return errs;
}

/** Problems with a label key (`[prefix/]name`); empty means valid. */
export function validateLabelKey(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(
        QUALIFIED_NAME_ERR,
        QUALIFIED_NAME_FMT,
        'MyName',
        'my.name',
        '123-abc',
      )} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      errs.push(
        ...validateDns1123Subdomain(prefix).map(m => `prefix part ${m}`),
      );
    }
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else if (byteLength(name) > QUALIFIED_NAME_MAX) {
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  }
  if (!qualifiedNameRe.test(name)) {
    errs.push(
      `name part ${regexError(
        QUALIFIED_NAME_ERR,
        QUALIFIED_NAME_FMT,
        'MyName',
        'my.name',
        '123-abc',
      )}`,
    );
  }
  return errs;
}

/** Problems with a label value (may be empty); empty means valid. */
export function validateLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX) {
    errs.push(maxLenError(LABEL_VALUE_MAX));
  }
  if (!labelValueRe.test(value)) {
    errs.push(
      regexError(
        LABEL_VALUE_ERR,
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** How k8s prints the offending value: strings quoted, scalars as is. */
function showValue(value: unknown): string {
  switch (kindOf(value)) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return JSON.stringify(value);
    default:
      return `"${kindOf(value)}"`;
  }
}

/**
 * Validates a whole label map as it arrives from a request body or a YAML
 * file, so the shape is checked too. `null`/absent means no labels.
 */
export function validateLabels(
  labels: unknown,
  fieldPath = 'metadata.labels',
): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    return [
      {
        field: fieldPath,
        message: `Invalid value: ${showValue(
          labels,
        )}: must be a map of label keys to string values`,
      },
    ];
  }
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(
    labels as Record<string, unknown>,
  )) {
    for (const msg of validateLabelKey(key)) {
      errors.push({
        field: fieldPath,
        message: `Invalid value: ${JSON.stringify(key)}: ${msg}`,
      });
    }
    if (typeof value !== 'string') {
      errors.push({
        field: `${fieldPath}[${key}]`,
        message: `Invalid value: ${showValue(value)}: must be a string`,
      });
      continue;
    }
    for (const msg of validateLabelValue(value)) {
      errors.push({
        field: fieldPath,
        message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
      });
    }
  }
  return errors;
}

/** `field: message` lines joined, the way kubectl prints an aggregate. */
export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map(e => `${e.field}: ${e.message}`).join('; ');
}

/** `a=b,c=d` with keys sorted, like k8s `labels.FormatLabels`. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map(k => `${k}=${labels[k]}`)
    .join(',');
}

import { useEffect, useMemo, useState } from 'react';
import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import Form from '@rjsf/material-ui';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { PromiseObject, ResourceRequestObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixApiRef } from '../../api/KratixApi';
import { KratixApiError, StatusCause } from '../../api/errors';
import { resourceKindOf, resourcePath, resourcesPath } from '../../api/paths';
import { requestSchemaOf, toFormSchema } from '../../lib/schema';
import { useLiveData } from '../../lib/useLiveData';
import { nameList } from '../../lib/nameList';
import { KratixError } from '../common/KratixError';
import { useCanRequest } from '../common/useKratixPermission';
import { CheckboxWidget } from './CheckboxWidget';
import { useKratixLinks } from '../common/useKratixLinks';

const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

interface FormData {
  name?: string;
  namespace?: string;
  spec?: Record<string, unknown>;
}

/** The form's schema: the request's name and namespace, then the Promise's spec schema. */
export function requestFormSchema(promise: PromiseObject): RJSFSchema {
  const spec = requestSchemaOf(promise);
  return {
    type: 'object',
    required: ['name', 'namespace'],
    properties: {
      name: {
        type: 'string',
        title: 'Name',
        description: 'Lower-case letters, digits, - and .',
        pattern: NAME_PATTERN,
        maxLength: 253,
      },
      namespace: { type: 'string', title: 'Namespace', default: 'default', pattern: NAME_PATTERN, maxLength: 63 },
      spec: { title: 'Spec', ...(toFormSchema(spec ?? { type: 'object' }) as RJSFSchema) },
    },
  };
}

/** A 422's field causes (`spec.enableDataCollection`) as errors beside their fields. */
export function causesToErrorSchema(causes: StatusCause[]): ErrorSchema {
  const root: any = {};
  for (const c of causes) {
    if (!c.field || !c.message) continue;
    const path = c.field.replace(/^\./, '').replace(/^metadata\./, '').split('.').filter(Boolean);
    let node = root;
    for (const part of path) node = node[part] ??= {};
    (node.__errors ??= []).push(c.message);
  }
  return root;
}

const widgets = { CheckboxWidget };

function uiSchemaFor(allowed: boolean): UiSchema {
  return { 'ui:submitButtonOptions': { submitText: 'Request', props: { disabled: !allowed } } };
}

/**
 * A request for the Promise's kind, generated from its openAPIV3Schema: the
 * schema's own rules are checked as you type, the backend's on submit.
 */
export function RequestForm(props: { promise: PromiseObject }) {
  const api = useApi(kratixApiRef);
  const kind = resourceKindOf(props.promise);
  const schema = useMemo(() => requestFormSchema(props.promise), [props.promise]);
  const [formData, setFormData] = useState<FormData>({ namespace: 'default' });
  const [submitError, setSubmitError] = useState<unknown>();
  const [created, setCreated] = useState<{ namespace: string; name: string }>();
  const [submitting, setSubmitting] = useState(false);
  const permission = useCanRequest(props.promise.metadata.name);
  const uiSchema = useMemo(() => uiSchemaFor(!permission.denied), [permission.denied]);

  if (!kind) return <Typography>This Promise offers no API to request.</Typography>;
  if (created) return <RequestFollower kind={kind} {...created} />;

  const extraErrors =
    submitError instanceof KratixApiError ? causesToErrorSchema(submitError.causes) : undefined;

  return (
    <InfoCard title={`Request ${kind.kind}`} subheader={`${kind.kind}.${kind.group}/${kind.version}`}>
      {submitError !== undefined && <KratixError error={submitError} title="The request was not created" />}
      {permission.reason && (
        <Typography color="error" role="note" aria-label="Why you cannot request">
          {permission.reason}
        </Typography>
      )}
      <Form
        schema={schema}
        uiSchema={uiSchema}
        widgets={widgets}
        validator={validator}
        formData={formData}
        onChange={e => setFormData(e.formData ?? {})}
        showErrorList={false}
        liveValidate={submitError !== undefined}
        extraErrors={extraErrors}
        disabled={submitting}
        onSubmit={async e => {
          if (permission.denied) return;
          const data = e.formData ?? {};
          const namespace = data.namespace || 'default';
          setSubmitting(true);
          setSubmitError(undefined);
          try {
            await api.create(resourcesPath(kind, namespace), {
              apiVersion: `${kind.group}/${kind.version}`,
              kind: kind.kind,
              metadata: { name: data.name, namespace },
              spec: data.spec ?? {},
            });
            setCreated({ namespace, name: data.name! });
          } catch (err) {
            setSubmitError(err);
          } finally {
            setSubmitting(false);
          }
        }}
      />
    </InfoCard>
  );
}

/** Follows a new request live until it is scheduled. */
function RequestFollower(props: {
  kind: NonNullable<ReturnType<typeof resourceKindOf>>;
  namespace: string;
  name: string;
}) {
  const api = useApi(kratixApiRef);
  const links = useKratixLinks();
  const { value, error, refreshAfterChange } = useLiveData(
    () => api.get<ResourceRequestObject>(resourcePath(props.kind, props.namespace, props.name)),
    [props.namespace, props.name],
  );
  // It was just created: its workflow runs now.
  useEffect(refreshAfterChange, [refreshAfterChange]);
  const status = value?.status;
  const scheduled = (status?.destinations?.length ?? 0) > 0 && !status?.scheduling?.some(g => g.unscheduled);
  const link = links.resource({ ...props.kind, namespace: props.namespace, name: props.name });
  return (
    <InfoCard title={`Requested ${props.namespace}/${props.name}`}>
      <Typography variant="h6" component="p" aria-live="polite" data-testid="request-progress">
        {scheduled
          ? `Scheduled on ${nameList(status!.destinations!)}`
          : status?.schedulingMessage ?? 'Created; waiting for its workflow to run…'}
      </Typography>
      {!scheduled && !error && <Progress aria-label="Waiting for the request to be scheduled" />}
      {error && <KratixError error={error} />}
      <Typography variant="body2">
        <Link underline="always" to={link}>Open {props.name}'s page</Link> to see why it is (not yet) placed and where its files went.
      </Typography>
    </InfoCard>
  );
}

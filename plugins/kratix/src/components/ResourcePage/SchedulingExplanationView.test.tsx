import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { explainScheduling } from '@kratix-backstage/plugin-kratix-common';
import { SchedulingExplanationView } from './SchedulingExplanationView';

describe('SchedulingExplanationView', () => {
  it('shows that a workflow cannot override the Promise, and what each destination contradicts', async () => {
    const explanation = explainScheduling(
      [
        { matchLabels: { environment: 'dev' }, source: 'promise' },
        { matchLabels: { environment: 'prod', pvCapacity: 'large' }, source: 'resource-workflow' },
      ],
      [
        { name: 'worker-1', labels: { environment: 'dev' } },
        { name: 'worker-2', labels: { environment: 'prod', pvCapacity: 'large' } },
      ],
    );
    await renderInTestApp(<SchedulingExplanationView explanation={explanation} directory="." />);
    expect(
      screen.getByText("a resource workflow asked for environment=prod, but the Promise's environment=dev wins."),
    ).toBeInTheDocument();
    expect(screen.getByText('worker-1 lacks pvCapacity=large')).toBeInTheDocument();
    expect(screen.getByText('worker-2 has environment=prod, not dev')).toBeInTheDocument();
    expect(screen.getByText(/never override the Promise/)).toBeInTheDocument();
  });

  it('says a directory group is scheduled by its own selectors alone', async () => {
    const explanation = explainScheduling([{ matchLabels: { backup: 'true' }, source: 'resource-workflow' }], []);
    await renderInTestApp(<SchedulingExplanationView explanation={explanation} directory="backup" />);
    expect(screen.getByText(/The directory backup is its own workload group/)).toBeInTheDocument();
    expect(screen.getByText('needs backup=true; there are no destinations')).toBeInTheDocument();
  });
});

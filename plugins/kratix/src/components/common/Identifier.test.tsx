import { render, screen } from '@testing-library/react';
import { Identifier } from './Identifier';

/** The text between the places the name may break. */
function words(element: HTMLElement) {
  return element.innerHTML.split('<wbr>');
}

describe('Identifier', () => {
  it('may break a field path only after its dots', () => {
    render(<Identifier name="spec.enableDataCollection" />);
    const name = screen.getByText('spec.enableDataCollection');
    expect(words(name)).toEqual(['spec.', 'enableDataCollection']);
  });

  it('may break a file path only after its slashes', () => {
    render(<Identifier name="worker-1/resources/instance-configure/elasticsearch.yaml" />);
    expect(words(screen.getByText('worker-1/resources/instance-configure/elasticsearch.yaml'))).toEqual([
      'worker-1/',
      'resources/',
      'instance-configure/',
      'elasticsearch.yaml',
    ]);
  });

  it('may break a name without dots where a capital starts a word', () => {
    render(<Identifier name="ConfigureWorkflowCompleted" />);
    expect(words(screen.getByText('ConfigureWorkflowCompleted'))).toEqual(['Configure', 'Workflow', 'Completed']);
  });

  it('keeps a run of capitals and a lower-case name whole', () => {
    render(
      <>
        <Identifier name="PipelinesExecutedSuccessfully" />
        <Identifier name="ExposeURLPath" />
        <Identifier name="environment" />
      </>,
    );
    expect(words(screen.getByText('PipelinesExecutedSuccessfully'))).toEqual(['Pipelines', 'Executed', 'Successfully']);
    expect(words(screen.getByText('ExposeURLPath'))).toEqual(['Expose', 'URLPath']);
    expect(words(screen.getByText('environment'))).toEqual(['environment']);
  });
});

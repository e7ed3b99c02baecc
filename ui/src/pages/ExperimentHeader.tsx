import { api, type Experiment } from '../api';
import { Link, useLocation } from '../router';
import { useAsync } from '../util';

const TABS: [string, string][] = [
  ['runs', 'Runs'],
  ['traces', 'Traces'],
  ['sessions', 'Sessions'],
  ['evaluations', 'Evaluations'],
  ['labeling', 'Labeling'],
  ['judges', 'Judges'],
  ['optimization', 'Optimize prompts'],
  ['simulations', 'Simulations'],
  ['overview', 'Overview'],
];

export function ExperimentHeader({ experimentId }: { experimentId: string }) {
  const { path } = useLocation();
  const exp = useAsync(() => api.get<{ experiment: Experiment }>('2.0/mlflow/experiments/get', { experiment_id: experimentId }), [experimentId]);
  const tab = path.split('/')[3] ?? 'runs';
  return (
    <div className="page-head">
      <div className="crumbs">
        <Link to="/">Experiments</Link> /
        <h1 data-testid="experiment-name">{exp.data?.experiment.name ?? (exp.error ? `Experiment ${experimentId}` : '…')}</h1>
        {exp.data?.experiment.lifecycle_stage === 'deleted' && <span className="badge bad">deleted</span>}
      </div>
      <div className="tabs" role="tablist">
        {TABS.map(([id, label]) => (
          <Link key={id} to={`/experiments/${experimentId}/${id}`} className={tab === id ? 'tab active' : 'tab'}>
            {label}
          </Link>
        ))}
      </div>
    </div>
  );
}

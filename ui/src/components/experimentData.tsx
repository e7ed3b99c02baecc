import { api } from '../api';
import { useAsync, type Async } from '../util';

// What the job forms of an experiment's pages pick from: its registered scorers and its evaluation datasets.

export interface DatasetRef {
  dataset_id: string;
  name: string;
}

export function useScorerNames(experimentId: string): Async<string[]> {
  return useAsync(() => api.get<{ scorers?: { scorer_name: string }[] }>('3.0/mlflow/scorers/list', { experiment_id: experimentId }).then((r) => (r.scorers ?? []).map((s) => s.scorer_name)), [experimentId]);
}

export function useDatasets(experimentId: string): Async<DatasetRef[]> {
  return useAsync(() => api.post<{ datasets?: DatasetRef[] }>('3.0/mlflow/datasets/search', { experiment_ids: [experimentId], max_results: 100 }).then((r) => r.datasets ?? []), [experimentId]);
}

/** A checkbox per registered scorer, in a row after `label`; `what` names each box for screen readers. */
export function ScorerChecklist({ label, what, scorers, chosen, onChange }: { label: string; what: string; scorers: Async<string[]>; chosen: string[]; onChange: (chosen: string[]) => void }) {
  return (
    <div className="inline-form">
      <span className="muted">{label}</span>
      {(scorers.data ?? []).length === 0 && <span className="muted">none registered in this experiment</span>}
      {(scorers.data ?? []).map((s) => (
        <label key={s}>
          <input type="checkbox" aria-label={`${what} ${s}`} checked={chosen.includes(s)} onChange={(e) => onChange(e.target.checked ? [...chosen, s] : chosen.filter((x) => x !== s))} /> {s}
        </label>
      ))}
    </div>
  );
}

/** A choice among the experiment's datasets; the empty value is shown as `none`. */
export function DatasetSelect({ label, none = '—', datasets, value, onChange }: { label: string; none?: string; datasets: Async<DatasetRef[]>; value: string; onChange: (datasetId: string) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{none}</option>
      {(datasets.data ?? []).map((d) => (
        <option key={d.dataset_id} value={d.dataset_id}>
          {d.name}
        </option>
      ))}
    </select>
  );
}

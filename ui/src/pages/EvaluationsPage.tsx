import { useMemo, useState } from 'react';
import { api, type Run, type TraceInfo } from '../api';
import { Empty, ErrorBox, JsonView, Loading, StatusBadge } from '../components/common';
import { Link, navigate, setQueryParam, useLocation } from '../router';
import { formatNumber, formatTime, parseJson, useAsync } from '../util';
import { verdictClass } from './TracesPage';

interface Job {
  job_id: string;
  run_id?: string;
  status: string;
  progress: { completed: number; total: number };
  error_message?: string;
  creation_time: number;
}

/** An evaluation run logs "<scorer>/mean" metrics (mlflow.genai.evaluate, Osprey jobs and the Java SDK all do). */
export function isEvaluationRun(run: Run): boolean {
  return (run.data.metrics ?? []).some((m) => m.key.endsWith('/mean'));
}

export interface ResultRow {
  traceId: string;
  request: string;
  response: string;
  scores: Record<string, { value: unknown; rationale?: string; error?: string }>;
}

/** Every trace linked to the run, with the feedback that run wrote (assessment metadata names the run). */
async function evaluationRows(experimentId: string, runId: string): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let token: string | undefined;
  do {
    const page = await api.post<{ traces?: TraceInfo[]; next_page_token?: string }>('3.0/mlflow/traces/search', {
      locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
      filter: `attributes.run_id = '${runId}'`,
      max_results: 500,
      page_token: token,
    });
    for (const t of page.traces ?? []) {
      const scores: ResultRow['scores'] = {};
      for (const a of t.assessments ?? []) {
        if (!a.feedback || a.valid === false) continue;
        const source = a.metadata?.['mlflow.assessment.sourceRunId'];
        if (source && source !== runId) continue;
        scores[a.assessment_name] = { value: a.feedback.value, rationale: a.rationale, error: a.feedback.error?.error_message };
      }
      rows.push({ traceId: t.trace_id, request: t.request_preview ?? '', response: t.response_preview ?? '', scores });
    }
    token = page.next_page_token;
  } while (token && rows.length < 20_000);
  return rows;
}

export function EvaluationsPage({ experimentId }: { experimentId: string }) {
  const { query } = useLocation();
  const runId = query.get('run') ?? undefined;
  const runs = useAsync(() => api.post<{ runs?: Run[] }>('2.0/mlflow/runs/search', { experiment_ids: [experimentId], max_results: 1000, order_by: ['attributes.start_time DESC'] }).then((r) => (r.runs ?? []).filter(isEvaluationRun)), [experimentId]);
  const jobs = useAsync(() => api.get<{ jobs?: Job[] }>('3.0/osprey/evaluations', { experiment_id: experimentId, max_results: 50 }).then((r) => r.jobs ?? []), [experimentId]);
  const [picked, setPicked] = useState<string[]>([]);
  if (runs.error) return <ErrorBox error={runs.error} onRetry={runs.reload} />;
  if (!runs.data) return <Loading />;
  const running = (jobs.data ?? []).filter((j) => j.status === 'PENDING' || j.status === 'IN_PROGRESS' || j.status === 'RUNNING');
  return (
    <section>
      {running.length > 0 && (
        <div className="jobs">
          {running.map((j) => (
            <div key={j.job_id} className="job">
              Job <span className="mono">{j.job_id}</span> <StatusBadge status={j.status} /> {j.progress.completed}/{j.progress.total} rows
              <progress max={j.progress.total || 1} value={j.progress.completed} />
            </div>
          ))}
        </div>
      )}
      {runs.data.length === 0 ? (
        <Empty title="No evaluation runs in this experiment">Run mlflow.genai.evaluate, `osprey evaluate`, or the SDK's evaluation().evaluate(...).</Empty>
      ) : (
        <>
          <div className="toolbar">
            <button type="button" disabled={picked.length !== 2} onClick={() => navigate(`/experiments/${experimentId}/evaluations/compare?a=${picked[0]}&b=${picked[1]}`)}>
              Compare two runs
            </button>
          </div>
          <table className="grid" data-testid="evaluation-runs">
            <thead>
              <tr>
                <th />
                <th>Evaluation run</th>
                <th>Started</th>
                <th>Scores (mean)</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.info.run_id} className={r.info.run_id === runId ? 'selected' : ''}>
                  <td>
                    <input type="checkbox" aria-label={`pick ${r.info.run_name ?? r.info.run_id}`} checked={picked.includes(r.info.run_id)} onChange={(e) => setPicked(e.target.checked ? [...picked, r.info.run_id].slice(-2) : picked.filter((p) => p !== r.info.run_id))} />
                  </td>
                  <td>
                    <a href="#" onClick={(e) => { e.preventDefault(); setQueryParam('run', r.info.run_id); }}>
                      {r.info.run_name || r.info.run_id}
                    </a>
                  </td>
                  <td>{formatTime(r.info.start_time)}</td>
                  <td>
                    {(r.data.metrics ?? [])
                      .filter((m) => m.key.endsWith('/mean'))
                      .map((m) => (
                        <span key={m.key} className="chip neutral">
                          {m.key.replace(/\/mean$/, '')}: {formatNumber(m.value, 3)}
                        </span>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {runId && <EvaluationResults experimentId={experimentId} runId={runId} />}
    </section>
  );
}

function EvaluationResults({ experimentId, runId }: { experimentId: string; runId: string }) {
  const rows = useAsync(() => evaluationRows(experimentId, runId), [experimentId, runId]);
  const [open, setOpen] = useState<string>();
  if (rows.error) return <ErrorBox error={rows.error} onRetry={rows.reload} />;
  if (!rows.data) return <Loading />;
  const scorers = [...new Set(rows.data.flatMap((r) => Object.keys(r.scores)))].sort();
  if (rows.data.length === 0) return <Empty title="This run has no evaluated rows" />;
  return (
    <>
      <h3>Results ({rows.data.length} rows)</h3>
      <table className="grid" data-testid="evaluation-results">
        <thead>
          <tr>
            <th>Inputs</th>
            <th>Outputs</th>
            {scorers.map((s) => (
              <th key={s}>{s}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.data.map((r) => (
            <tr key={r.traceId} onClick={() => setOpen(open === r.traceId ? undefined : r.traceId)}>
              <td className="clip" title={r.request}>
                <Link to={`/experiments/${experimentId}/traces/${r.traceId}`}>{r.request || r.traceId}</Link>
              </td>
              <td className="clip" title={r.response}>
                {r.response}
              </td>
              {scorers.map((s) => (
                <td key={s}>
                  <Score score={r.scores[s]} showRationale={open === r.traceId} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Score({ score, showRationale }: { score?: ResultRow['scores'][string]; showRationale: boolean }) {
  if (!score) return <span className="muted">—</span>;
  if (score.error) return <span className="chip bad" title={score.error}>error</span>;
  return (
    <div>
      <span className={`chip ${verdictClass(score.value)}`} title={score.rationale}>
        {typeof score.value === 'number' ? formatNumber(score.value, 3) : String(score.value)}
      </span>
      {showRationale && score.rationale && <div className="rationale">{score.rationale}</div>}
    </div>
  );
}

/** Scores as numbers for comparison: yes/pass = 1, no/fail = 0, numbers as they are. */
export function scoreNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const cls = verdictClass(v);
  if (cls === 'ok') return 1;
  if (cls === 'bad') return 0;
  const n = Number(v);
  return Number.isNaN(n) ? undefined : n;
}

export interface Comparison {
  key: string;
  a?: ResultRow;
  b?: ResultRow;
  changes: Record<string, 'regression' | 'improvement' | 'same'>;
}

/** Rows of two runs matched by their inputs; a scorer that went down is a regression. */
export function compareRows(a: ResultRow[], b: ResultRow[], scorers: string[]): Comparison[] {
  const byKey = new Map<string, Comparison>();
  for (const r of a) byKey.set(r.request, { key: r.request, a: r, changes: {} });
  for (const r of b) {
    const c = byKey.get(r.request) ?? { key: r.request, changes: {} };
    c.b = r;
    byKey.set(r.request, c);
  }
  for (const c of byKey.values()) {
    for (const s of scorers) {
      const x = scoreNumber(c.a?.scores[s]?.value);
      const y = scoreNumber(c.b?.scores[s]?.value);
      if (x === undefined || y === undefined) continue;
      c.changes[s] = y < x ? 'regression' : y > x ? 'improvement' : 'same';
    }
  }
  return [...byKey.values()];
}

export function EvaluationComparePage({ experimentId }: { experimentId: string }) {
  const { query } = useLocation();
  const a = query.get('a') ?? '';
  const b = query.get('b') ?? '';
  const data = useAsync(() => Promise.all([evaluationRows(experimentId, a), evaluationRows(experimentId, b)]), [experimentId, a, b]);
  const [onlyRegressions, setOnlyRegressions] = useState(false);
  const scorers = useMemo(() => (data.data ? [...new Set(data.data.flat().flatMap((r) => Object.keys(r.scores)))].sort() : []), [data.data]);
  if (!a || !b) return <Empty title="Pick two evaluation runs to compare" />;
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const rows = compareRows(data.data[0], data.data[1], scorers);
  const regressions = rows.filter((r) => Object.values(r.changes).includes('regression')).length;
  const mean = (list: ResultRow[], s: string) => {
    const v = list.map((r) => scoreNumber(r.scores[s]?.value)).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((x, y) => x + y, 0) / v.length : undefined;
  };
  return (
    <section>
      <h3>
        Comparing <span className="mono">{a.slice(0, 8)}</span> (A) with <span className="mono">{b.slice(0, 8)}</span> (B)
      </h3>
      <table className="grid" data-testid="score-summary">
        <thead>
          <tr>
            <th>Scorer</th>
            <th>A</th>
            <th>B</th>
          </tr>
        </thead>
        <tbody>
          {scorers.map((s) => (
            <tr key={s}>
              <th>{s}</th>
              <td>{formatNumber(mean(data.data![0], s), 3)}</td>
              <td>{formatNumber(mean(data.data![1], s), 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="regression-count">
        <strong>{regressions}</strong> row{regressions === 1 ? '' : 's'} regressed.{' '}
        <label className="inline">
          <input type="checkbox" checked={onlyRegressions} onChange={(e) => setOnlyRegressions(e.target.checked)} /> Only regressions
        </label>
      </p>
      <table className="grid" data-testid="comparison">
        <thead>
          <tr>
            <th>Inputs</th>
            {scorers.map((s) => (
              <th key={s}>{s} (A → B)</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows
            .filter((r) => !onlyRegressions || Object.values(r.changes).includes('regression'))
            .map((r) => (
              <tr key={r.key}>
                <td className="clip" title={r.key}>{r.key}</td>
                {scorers.map((s) => (
                  <td key={s} className={r.changes[s] ?? ''}>
                    {String(r.a?.scores[s]?.value ?? '—')} → {String(r.b?.scores[s]?.value ?? '—')}
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </section>
  );
}

interface Dataset {
  dataset_id: string;
  name: string;
  digest?: string;
  created_time?: number;
  last_update_time?: number;
  created_by?: string;
}

export function DatasetsPage() {
  const { query } = useLocation();
  const open = query.get('dataset') ?? undefined;
  const list = useAsync(() => api.post<{ datasets?: Dataset[] }>('3.0/mlflow/datasets/search', { max_results: 200, order_by: ['last_update_time DESC'] }).then((r) => r.datasets ?? []), []);
  if (list.error) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  return (
    <section>
      <div className="page-head">
        <h1>Evaluation datasets</h1>
      </div>
      {list.data.length === 0 ? (
        <Empty title="No evaluation datasets">Create one with mlflow.genai.datasets.create_dataset or the Osprey SDK.</Empty>
      ) : (
        <table className="grid" data-testid="datasets">
          <thead>
            <tr>
              <th>Name</th>
              <th>ID</th>
              <th>Digest</th>
              <th>Updated</th>
              <th>Created by</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.dataset_id} className={open === d.dataset_id ? 'selected' : ''}>
                <td>
                  <a href="#" onClick={(e) => { e.preventDefault(); setQueryParam('dataset', d.dataset_id); }}>
                    {d.name}
                  </a>
                </td>
                <td className="mono">{d.dataset_id}</td>
                <td className="mono">{d.digest}</td>
                <td>{formatTime(d.last_update_time)}</td>
                <td>{d.created_by ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <DatasetRecords datasetId={open} />}
    </section>
  );
}

interface DatasetRecord {
  dataset_record_id: string;
  inputs?: unknown;
  outputs?: unknown;
  expectations?: unknown;
  source_type?: string;
}

function DatasetRecords({ datasetId }: { datasetId: string }) {
  const records = useAsync(async () => {
    const res = await api.get<{ records?: string; next_page_token?: string }>(`3.0/mlflow/datasets/${encodeURIComponent(datasetId)}/records`, { max_results: 1000 });
    return { list: (parseJson(res.records ?? '[]') as DatasetRecord[]) ?? [], more: Boolean(res.next_page_token) };
  }, [datasetId]);
  if (records.error) return <ErrorBox error={records.error} />;
  if (!records.data) return <Loading />;
  if (records.data.list.length === 0) return <Empty title="This dataset has no records" />;
  return (
    <>
      <h3>Records{records.data.more ? ' (first 1,000)' : ` (${records.data.list.length})`}</h3>
      <table className="grid" data-testid="dataset-records">
        <thead>
          <tr>
            <th>Inputs</th>
            <th>Expectations</th>
            <th>Outputs</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {records.data.list.map((r) => (
            <tr key={r.dataset_record_id}>
              <td><JsonView value={r.inputs} /></td>
              <td><JsonView value={r.expectations} /></td>
              <td><JsonView value={r.outputs} /></td>
              <td>{r.source_type ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

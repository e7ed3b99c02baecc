import { useState } from 'react';
import { api } from '../api';
import { Empty, ErrorBox, Loading, StatusBadge } from '../components/common';
import { DatasetSelect, ScorerChecklist, useDatasets, useScorerNames } from '../components/experimentData';
import { Link, setQueryParam, useLocation } from '../router';
import { diffLines, formatTime, useAsync, usePollWhile } from '../util';

// Prompt optimization of an experiment (MLflow's prompt-optimization jobs, run by the server): start a job, watch
// its candidates and scores, compare the best template with the source, and promote it with an alias.

interface OptimizationJob {
  job_id: string;
  run_id?: string;
  state: { status: string; error_message?: string; metadata?: { progress?: string } };
  source_prompt_uri: string;
  optimized_prompt_uri?: string;
  config?: { optimizer_type?: string; dataset_id?: string; scorers?: string[] };
  creation_timestamp_ms?: number;
  initial_eval_scores?: Record<string, number>;
  final_eval_scores?: Record<string, number>;
}

interface Candidate {
  template: string;
  score: number;
  parent: number;
  metric_calls: number;
  chosen: boolean;
}

const RUNNING = ['JOB_STATUS_PENDING', 'JOB_STATUS_IN_PROGRESS'];
const P = '3.0/mlflow/prompt-optimization/jobs';

/** "prompts:/name/3" -> ["name", "3"]; anything else -> undefined. */
export function promptVersion(uri: string | undefined): [string, string] | undefined {
  const m = /^prompts:\/(.+)\/(\d+)$/.exec(uri ?? '');
  return m ? [m[1], m[2]] : undefined;
}

function score(v: number | undefined): string {
  return v === undefined ? '—' : v.toFixed(2);
}

export function OptimizationPage({ experimentId }: { experimentId: string }) {
  const { query } = useLocation();
  const selected = query.get('job') ?? undefined;
  const [tick, setTick] = useState(0);
  const jobs = useAsync(() => api.post<{ jobs?: OptimizationJob[] }>(`${P}/search`, { experiment_id: experimentId }).then((r) => r.jobs ?? []), [experimentId, tick]);
  const running = (jobs.data ?? []).some((j) => RUNNING.includes(j.state.status));
  usePollWhile(running, 500, () => setTick((x) => x + 1), jobs.data);
  const job = (jobs.data ?? []).find((j) => j.job_id === selected);
  return (
    <div className="optimization">
      <NewJob experimentId={experimentId} onStarted={(id) => { setQueryParam('job', id); setTick((x) => x + 1); }} />
      <section className="panel" data-testid="optimization-jobs">
        <h3>Optimization jobs</h3>
        {jobs.loading && !jobs.data ? (
          <Loading />
        ) : jobs.error ? (
          <ErrorBox error={jobs.error} onRetry={jobs.reload} />
        ) : (jobs.data ?? []).length === 0 ? (
          <Empty title="No optimization jobs yet" />
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Started</th>
                <th>Prompt</th>
                <th>Optimizer</th>
                <th>Status</th>
                <th>Score before</th>
                <th>Score after</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data!.map((j) => (
                <tr key={j.job_id} className={j.job_id === selected ? 'selected' : ''} onClick={() => setQueryParam('job', j.job_id)} data-testid={`optimization-${j.job_id}`}>
                  <td>{j.creation_timestamp_ms ? formatTime(new Date(j.creation_timestamp_ms).toISOString()) : '—'}</td>
                  <td>{j.source_prompt_uri}</td>
                  <td>{(j.config?.optimizer_type ?? '').replace('OPTIMIZER_TYPE_', '')}</td>
                  <td>
                    <StatusBadge status={j.state.status.replace('JOB_STATUS_', '')} />
                    {RUNNING.includes(j.state.status) && j.state.metadata?.progress && <span className="muted"> {Math.round(100 * Number(j.state.metadata.progress))} %</span>}
                  </td>
                  <td>{score(j.initial_eval_scores?.aggregate)}</td>
                  <td>{score(j.final_eval_scores?.aggregate)}</td>
                  <td>{j.optimized_prompt_uri ?? j.state.error_message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {job && <JobDetail key={`${job.job_id}-${job.state.status}`} job={job} />}
    </div>
  );
}

function NewJob({ experimentId, onStarted }: { experimentId: string; onStarted: (jobId: string) => void }) {
  const scorers = useScorerNames(experimentId);
  const datasets = useDatasets(experimentId);
  const [prompt, setPrompt] = useState('');
  const [optimizer, setOptimizer] = useState('GEPA');
  const [dataset, setDataset] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [reflection, setReflection] = useState('');
  const [maxCalls, setMaxCalls] = useState(100);
  const [error, setError] = useState<Error>();
  const start = async () => {
    setError(undefined);
    try {
      const optimizerConfig: Record<string, unknown> = { reflection_model: reflection.trim() };
      if (optimizer === 'GEPA') optimizerConfig.max_metric_calls = maxCalls;
      const r = await api.post<{ job: OptimizationJob }>(P, {
        experiment_id: experimentId,
        source_prompt_uri: prompt.trim(),
        config: { optimizer_type: `OPTIMIZER_TYPE_${optimizer}`, dataset_id: dataset || undefined, scorers: chosen, optimizer_config_json: JSON.stringify(optimizerConfig) },
      });
      onStarted(r.job.job_id);
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section className="panel" data-testid="new-optimization">
      <h3>Optimize a prompt</h3>
      <div className="form-grid">
        <label>
          Prompt <input aria-label="prompt uri" placeholder="prompts:/name/1 or prompts:/name@alias" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        <label>
          Optimizer
          <select aria-label="prompt optimizer" value={optimizer} onChange={(e) => setOptimizer(e.target.value)}>
            <option value="GEPA">GEPA (reflective evolution)</option>
            <option value="METAPROMPT">MetaPrompt (one rewrite)</option>
          </select>
        </label>
        <label>
          Dataset
          <DatasetSelect label="dataset" datasets={datasets} value={dataset} onChange={setDataset} />
        </label>
        <label>
          Reflection model <input aria-label="reflection model" placeholder="gateway:/my-endpoint" value={reflection} onChange={(e) => setReflection(e.target.value)} />
        </label>
        {optimizer === 'GEPA' && (
          <label>
            Budget (row evaluations) <input type="number" aria-label="max metric calls" min={1} value={maxCalls} onChange={(e) => setMaxCalls(Number(e.target.value))} />
          </label>
        )}
      </div>
      <ScorerChecklist label="Scorers:" what="scorer" scorers={scorers} chosen={chosen} onChange={setChosen} />
      <div className="actions">
        <button type="button" className="primary" disabled={!prompt.trim() || !reflection.trim()} onClick={() => void start()}>
          Start optimization
        </button>
      </div>
      {error && <ErrorBox error={error} />}
    </section>
  );
}

function JobDetail({ job }: { job: OptimizationJob }) {
  const result = useAsync(() => api.get<{ result?: { candidates?: Candidate[] } | string | null }>(`3.0/jobs/${job.job_id}`).then((r) => (r.result && typeof r.result === 'object' ? r.result.candidates ?? [] : [])), [job.job_id, job.state.status]);
  const [alias, setAlias] = useState('production');
  const [promoted, setPromoted] = useState<string>();
  const [error, setError] = useState<Error>();
  const candidates = result.data ?? [];
  const source = candidates.find((c) => c.parent === -1);
  const best = candidates.find((c) => c.chosen);
  const optimized = promptVersion(job.optimized_prompt_uri);
  const promote = async () => {
    if (!optimized) return;
    setError(undefined);
    try {
      await api.post('2.0/mlflow/registered-models/alias', { name: optimized[0], alias: alias.trim(), version: optimized[1] });
      setPromoted(`prompts:/${optimized[0]}@${alias.trim()} → version ${optimized[1]}`);
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section className="panel" data-testid="optimization-detail">
      <h3>
        Job <code>{job.job_id}</code> <StatusBadge status={job.state.status.replace('JOB_STATUS_', '')} />
      </h3>
      {RUNNING.includes(job.state.status) && (
        <div className="progress" aria-label="optimization progress">
          <div style={{ width: `${Math.round(100 * Number(job.state.metadata?.progress ?? 0))}%` }} />
        </div>
      )}
      {job.run_id && (
        <p className="muted">
          Scores are logged on <Link to={`/runs/${job.run_id}`}>its run</Link>.
        </p>
      )}
      {candidates.length > 0 && (
        <table className="grid" data-testid="optimization-candidates">
          <thead>
            <tr>
              <th>#</th>
              <th>From</th>
              <th>Score</th>
              <th>Row evaluations spent</th>
              <th>Template</th>
            </tr>
          </thead>
          <tbody>
            {candidates.map((c, i) => (
              <tr key={i} className={c.chosen ? 'selected' : ''}>
                <td>
                  {i}
                  {c.chosen ? ' ★' : ''}
                </td>
                <td>{c.parent < 0 ? 'source' : `#${c.parent}`}</td>
                <td>{c.score.toFixed(2)}</td>
                <td>{c.metric_calls}</td>
                <td>
                  <code className="template-preview">{c.template.length > 140 ? `${c.template.slice(0, 140)}…` : c.template}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {source && best && best !== source && (
        <>
          <h4>Source → optimized</h4>
          <pre className="diff" data-testid="optimization-diff">
            {diffLines(source.template, best.template).map((l, i) => (
              <div key={i} className={l.op === '+' ? 'added' : l.op === '-' ? 'removed' : ''}>
                {l.op} {l.text}
              </div>
            ))}
          </pre>
        </>
      )}
      {optimized && (
        <div className="inline-form">
          <Link to={`/prompts/${encodeURIComponent(optimized[0])}?version=${optimized[1]}`}>{job.optimized_prompt_uri}</Link>
          <input aria-label="alias" value={alias} onChange={(e) => setAlias(e.target.value)} />
          <button type="button" disabled={!alias.trim()} onClick={() => void promote()}>
            Promote with alias
          </button>
          {promoted && <span data-testid="promoted">{promoted}</span>}
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

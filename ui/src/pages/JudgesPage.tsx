import { useEffect, useState } from 'react';
import { api, type TraceInfo } from '../api';
import { Empty, ErrorBox, Loading, StatusBadge } from '../components/common';
import { Link } from '../router';
import { formatTime, parseJson, useAsync } from '../util';

// Judges of an experiment: the registered ones, a builder that tries a judge on traces people labelled and shows how
// far it agrees with them, and alignment (MemAlign or SIMBA) as a server job that reports agreement before and after.

interface RegisteredScorer {
  scorer_name: string;
  scorer_version: number;
  serialized_scorer: string;
  creation_time?: number;
}

interface Job {
  job_id: string;
  status: string;
  creation_time?: number;
  params?: Record<string, unknown>;
  result?: AlignmentResult | string | null;
  status_details?: { completed: number; total: number } | null;
}

interface Agreement {
  accuracy: number;
  cohen_kappa: number;
  agreed: number;
  total: number;
}

interface AlignmentResult {
  train_count: number;
  held_out_count: number;
  base_agreement?: Agreement;
  aligned_agreement?: Agreement;
  guidelines?: { guideline_text: string; source_trace_ids?: string[] }[];
  rules?: string[];
  registered_version?: number;
  model_calls?: { judge: number; reflection: number };
}

export const VARIABLES = ['inputs', 'outputs', 'expectations', 'trace', 'conversation'];

/** What kind of judge a serialized scorer is, for the list. */
export function judgeKind(serialized: string): string {
  const s = parseJson(serialized) as Record<string, unknown> | undefined;
  if (!s || typeof s !== 'object') return 'unknown';
  if (s.memory_augmented_judge_data) return 'aligned (MemAlign)';
  if (s.instructions_judge_pydantic_data) return 'custom judge';
  if (s.builtin_scorer_class) return `built-in ${String(s.builtin_scorer_class)}`;
  if (s.osprey_code_scorer) return 'code scorer';
  return 'Python code';
}

/** The people's label of a verdict value, as alignment compares them (yes/true/pass fold together). */
export function label(value: unknown): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  const t = String(value ?? '').trim().toLowerCase();
  return t === 'true' || t === 'pass' ? 'yes' : t === 'false' || t === 'fail' ? 'no' : t;
}

function humanLabel(t: TraceInfo, name: string): string | undefined {
  const a = (t.assessments ?? []).filter((x) => x.assessment_name.trim().toLowerCase() === name.trim().toLowerCase() && x.source?.source_type === 'HUMAN' && x.valid !== false && x.feedback?.value !== undefined);
  return a.length ? label(a[a.length - 1].feedback?.value) : undefined;
}

async function labelledTraces(experimentId: string, name: string): Promise<TraceInfo[]> {
  const r = await api.post<{ traces?: TraceInfo[] }>('3.0/mlflow/traces/search', {
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
    order_by: ['timestamp_ms DESC'],
    max_results: 500,
  });
  return (r.traces ?? []).filter((t) => humanLabel(t, name) !== undefined);
}

async function awaitJob<T>(get: () => Promise<T>, done: (t: T) => boolean, onStep: (t: T) => void): Promise<T> {
  for (;;) {
    const j = await get();
    onStep(j);
    if (done(j)) return j;
    await new Promise((r) => setTimeout(r, 400));
  }
}

const finished = (status: string) => !['PENDING', 'RUNNING'].includes(status);

export function JudgesPage({ experimentId }: { experimentId: string }) {
  const scorers = useAsync(() => api.get<{ scorers?: RegisteredScorer[] }>('3.0/mlflow/scorers/list', { experiment_id: experimentId }).then((r) => r.scorers ?? []), [experimentId]);
  return (
    <div className="judges">
      <section className="panel" data-testid="judges-list">
        <h3>Registered judges</h3>
        {scorers.loading && !scorers.data ? (
          <Loading />
        ) : scorers.error ? (
          <ErrorBox error={scorers.error} onRetry={scorers.reload} />
        ) : (scorers.data ?? []).length === 0 ? (
          <Empty title="No judges registered">Build one below, try it on labelled traces and register it.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Name</th>
                <th>Version</th>
                <th>Kind</th>
                <th>Registered</th>
              </tr>
            </thead>
            <tbody>
              {scorers.data!.map((s) => (
                <tr key={s.scorer_name} data-testid={`judge-${s.scorer_name}`}>
                  <td>{s.scorer_name}</td>
                  <td>{s.scorer_version}</td>
                  <td>{judgeKind(s.serialized_scorer)}</td>
                  <td>{s.creation_time ? formatTime(new Date(s.creation_time).toISOString()) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <JudgeBuilder experimentId={experimentId} onRegistered={scorers.reload} />
      <Alignment experimentId={experimentId} judges={(scorers.data ?? []).map((s) => s.scorer_name)} onRegistered={scorers.reload} />
    </div>
  );
}

interface TryRow {
  traceId: string;
  human: string;
  judge: string;
  rationale?: string;
}

function JudgeBuilder({ experimentId, onRegistered }: { experimentId: string; onRegistered: () => void }) {
  const [name, setName] = useState('');
  const [instructions, setInstructions] = useState('Judge whether the answer is acceptable.\nQuestion: {{ inputs }}\nAnswer: {{ outputs }}');
  const [model, setModel] = useState('');
  const [rows, setRows] = useState<TryRow[]>();
  const [busy, setBusy] = useState('');
  const [error, setError] = useState<Error>();
  const [registered, setRegistered] = useState<number>();
  const serialized = () => JSON.stringify({ name: name.trim(), instructions_judge_pydantic_data: { instructions, model: model.trim() || undefined } });

  const tryIt = async () => {
    setError(undefined);
    setRows(undefined);
    setBusy('Judging the labelled traces…');
    try {
      const traces = (await labelledTraces(experimentId, name)).slice(0, 20);
      if (traces.length === 0) throw new Error(`No trace carries a person's feedback named '${name.trim()}'. Label some in the Labeling tab first.`);
      const started = await api.post<{ jobs: { job_id: string }[] }>('3.0/mlflow/scorer/invoke', {
        experiment_id: experimentId,
        serialized_scorer: serialized(),
        trace_ids: traces.map((t) => t.trace_id),
        log_assessments: false,
      });
      const results: Record<string, { assessments?: { feedback?: { value?: unknown; error?: { error_message?: string } }; rationale?: string }[]; failures?: { error_message?: string }[] }> = {};
      for (const j of started.jobs) {
        const done = await awaitJob(
          () => api.get<Job>(`3.0/jobs/${j.job_id}`),
          (x) => finished(x.status),
          () => undefined,
        );
        if (done.status !== 'SUCCEEDED') throw new Error(`The judge's job ended ${done.status}: ${String(done.result ?? '')}`);
        Object.assign(results, done.result as object);
      }
      setRows(
        traces.map((t) => {
          const a = results[t.trace_id]?.assessments?.[0];
          return { traceId: t.trace_id, human: humanLabel(t, name) ?? '', judge: a?.feedback?.error ? 'error' : label(a?.feedback?.value), rationale: a?.rationale ?? a?.feedback?.error?.error_message };
        }),
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy('');
    }
  };

  const register = async () => {
    setError(undefined);
    try {
      const r = await api.post<{ version: number }>('3.0/mlflow/scorers/register', { experiment_id: experimentId, name: name.trim(), serialized_scorer: serialized() });
      setRegistered(r.version);
      onRegistered();
    } catch (e) {
      setError(e as Error);
    }
  };

  const agreed = rows?.filter((r) => r.human === r.judge).length ?? 0;
  return (
    <section className="panel" data-testid="judge-builder">
      <h3>Build a judge</h3>
      <div className="form-grid">
        <label>
          Name <input aria-label="judge name" value={name} onChange={(e) => setName(e.target.value)} placeholder="as people's feedback is named" />
        </label>
        <label>
          Model <input aria-label="judge model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="gateway:/my-endpoint (default: the server's)" />
        </label>
      </div>
      <div className="chips">
        {VARIABLES.map((v) => (
          <button key={v} type="button" className="var-chip" onClick={() => setInstructions((s) => `${s}{{ ${v} }}`)}>
            {`{{ ${v} }}`}
          </button>
        ))}
      </div>
      <textarea aria-label="judge instructions" rows={5} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
      <div className="actions">
        <button type="button" disabled={!name.trim() || !!busy} onClick={() => void tryIt()}>
          Try on labelled traces
        </button>
        <button type="button" disabled={!name.trim()} onClick={() => void register()}>
          Register
        </button>
        {busy && <span className="muted">{busy}</span>}
        {registered !== undefined && <span data-testid="registered-version">Registered as version {registered}</span>}
      </div>
      {error && <ErrorBox error={error} />}
      {rows && (
        <>
          <p data-testid="try-agreement">
            Agrees with people on <strong>{agreed} of {rows.length}</strong> traces ({Math.round((100 * agreed) / rows.length)} %).
          </p>
          <table className="grid" data-testid="try-results">
            <thead>
              <tr>
                <th>Trace</th>
                <th>Person</th>
                <th>Judge</th>
                <th>Rationale</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.traceId} className={r.human === r.judge ? '' : 'regressed'}>
                  <td>
                    <Link to={`/experiments/${experimentId}/traces/${r.traceId}`}>{r.traceId.slice(0, 14)}…</Link>
                  </td>
                  <td>{r.human}</td>
                  <td>{r.judge}</td>
                  <td>{r.rationale ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function AgreementRow({ label: title, a }: { label: string; a?: Agreement }) {
  return (
    <tr>
      <th>{title}</th>
      <td>{a ? `${(100 * a.accuracy).toFixed(1)} %` : '—'}</td>
      <td>{a ? a.cohen_kappa.toFixed(2) : '—'}</td>
      <td>{a ? `${a.agreed} / ${a.total}` : '—'}</td>
    </tr>
  );
}

function Alignment({ experimentId, judges, onRegistered }: { experimentId: string; judges: string[]; onRegistered: () => void }) {
  const [judge, setJudge] = useState('');
  const [optimizer, setOptimizer] = useState('memalign');
  const [embedding, setEmbedding] = useState('');
  const [register, setRegister] = useState(false);
  const [holdout, setHoldout] = useState(20);
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<Error>();
  const history = useAsync(() => api.get<{ jobs?: Job[] }>('3.0/osprey/scorers/align', { experiment_id: experimentId, max_results: 10 }).then((r) => r.jobs ?? []), [experimentId, job?.status]);
  useEffect(() => {
    if (!judge && judges.length) setJudge(judges[0]);
  }, [judge, judges]);

  const start = async () => {
    setError(undefined);
    try {
      const options: Record<string, unknown> = { type: optimizer };
      if (embedding.trim()) options.embedding_model = embedding.trim();
      const started = await api.post<{ job: Job }>('3.0/osprey/scorers/align', {
        experiment_id: experimentId,
        name: judge,
        optimizer: options,
        register,
        holdout_fraction: holdout / 100,
      });
      setJob(started.job);
      const done = await awaitJob(
        () => api.get<{ job: Job }>(`3.0/osprey/scorers/align/${started.job.job_id}`).then((r) => r.job),
        (j) => finished(j.status),
        setJob,
      );
      if (done.status === 'SUCCEEDED' && register) onRegistered();
    } catch (e) {
      setError(e as Error);
    }
  };

  const result = job && typeof job.result === 'object' && job.result ? (job.result as AlignmentResult) : undefined;
  const progress = job?.status_details ? job.status_details.completed / Math.max(1, job.status_details.total) : 0;
  return (
    <section className="panel" data-testid="alignment">
      <h3>Align a judge with people's feedback</h3>
      {judges.length === 0 ? (
        <Empty title="Register a judge first" />
      ) : (
        <div className="inline-form">
          <select aria-label="judge to align" value={judge} onChange={(e) => setJudge(e.target.value)}>
            {judges.map((j) => (
              <option key={j}>{j}</option>
            ))}
          </select>
          <select aria-label="optimizer" value={optimizer} onChange={(e) => setOptimizer(e.target.value)}>
            <option value="memalign">MemAlign (guidelines + similar examples)</option>
            <option value="simba">SIMBA (prompt search)</option>
          </select>
          {optimizer === 'memalign' && <input aria-label="embedding model" placeholder="embedding model, e.g. gateway:/embed" value={embedding} onChange={(e) => setEmbedding(e.target.value)} />}
          <label>
            hold out <input type="number" aria-label="held-out percent" min={0} max={90} value={holdout} onChange={(e) => setHoldout(Number(e.target.value))} /> %
          </label>
          <label>
            <input type="checkbox" checked={register} onChange={(e) => setRegister(e.target.checked)} /> register as next version
          </label>
          <button type="button" disabled={!judge || (!!job && !finished(job.status))} onClick={() => void start()}>
            Align
          </button>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {job && (
        <div className="alignment-job" data-testid="alignment-job">
          <div>
            Job <code>{job.job_id}</code> <StatusBadge status={job.status} />
          </div>
          {!finished(job.status) && (
            <div className="progress" aria-label="alignment progress">
              <div style={{ width: `${Math.round(100 * progress)}%` }} />
            </div>
          )}
          {typeof job.result === 'string' && <ErrorBox error={new Error(job.result)} />}
          {result && (
            <>
              <p className="muted">
                Learned from {result.train_count} labelled examples; measured on {result.held_out_count} held out. Model calls: {result.model_calls?.judge ?? 0} judge, {result.model_calls?.reflection ?? 0} reflection.
              </p>
              <table className="kv" data-testid="alignment-agreement">
                <thead>
                  <tr>
                    <th />
                    <th>agreement</th>
                    <th>Cohen's kappa</th>
                    <th>agreed</th>
                  </tr>
                </thead>
                <tbody>
                  <AgreementRow label="before" a={result.base_agreement} />
                  <AgreementRow label="after" a={result.aligned_agreement} />
                </tbody>
              </table>
              {(result.guidelines ?? []).length > 0 && (
                <ul data-testid="alignment-guidelines">
                  {result.guidelines!.map((g) => (
                    <li key={g.guideline_text}>
                      {g.guideline_text} <span className="muted">(from {g.source_trace_ids?.length ?? 0} traces)</span>
                    </li>
                  ))}
                </ul>
              )}
              {(result.rules ?? []).length > 0 && (
                <ul data-testid="alignment-rules">
                  {result.rules!.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              )}
              {result.registered_version !== undefined && <p data-testid="alignment-registered">Registered as version {result.registered_version}.</p>}
            </>
          )}
        </div>
      )}
      {(history.data ?? []).length > 0 && (
        <details>
          <summary>Earlier alignments</summary>
          <ul>
            {history.data!.map((j) => (
              <li key={j.job_id}>
                {String(j.params?.name ?? '')} · {String((j.params?.optimizer as Record<string, unknown> | undefined)?.type ?? 'memalign')} · <StatusBadge status={j.status} />
                {j.result && typeof j.result === 'object' && (j.result as AlignmentResult).aligned_agreement && (
                  <span> {(100 * (j.result as AlignmentResult).aligned_agreement!.accuracy).toFixed(0)} % after</span>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

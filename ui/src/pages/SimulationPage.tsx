import { Fragment, useState } from 'react';
import { api } from '../api';
import { Empty, ErrorBox, Loading, StatusBadge } from '../components/common';
import { DatasetSelect, ScorerChecklist, useDatasets, useScorerNames } from '../components/experimentData';
import { Link, setQueryParam, useLocation } from '../router';
import { formatTime, useAsync, usePollWhile } from '../util';

// Conversation simulation of an experiment (server jobs): start one from a dataset of test cases, watch its
// conversations stream in and read each as a chat with the goal check and the session judges' verdicts beside it,
// compare two simulations (agent versions) case by case, and distill real sessions into test cases for a dataset.

const S = '3.0/osprey/simulations';

interface SimulationJob {
  job_id: string;
  run_id?: string;
  creation_time: number;
  status: string;
  params: { experiment_id?: string; dataset_id?: string; agent?: { type?: string; url?: string; model?: string; endpoint?: string }; run_name?: string };
  result: { summary?: Summary; judges?: Record<string, { passed: number; failed: number; errors: number; mean?: number }> } | string | null;
  status_details?: { completed?: number; total?: number };
}

interface Summary {
  conversations: number;
  goal_achieved: number;
  errors: number;
  turns: number;
  goal_achieved_rate?: number;
  mean_turns?: number;
}

export interface Turn {
  trace_id: string;
  user: string;
  assistant?: string;
  state: string;
  goal_met?: boolean;
}

export interface Verdict {
  name: string;
  kind?: string;
  value?: unknown;
  error?: string;
  rationale?: string;
}

export interface Conversation {
  case_index: number;
  session_id: string;
  goal: string;
  persona: string;
  finished: boolean;
  outcome?: { goal_achieved: boolean; turns: number; error?: string; goal_check?: { met: boolean; rationale: string } };
  turns: Turn[];
  assessments: Verdict[];
}

interface Proposal {
  session_id: string;
  test_case: { goal: string; persona?: string; simulation_guidelines?: string[]; expectations?: Record<string, unknown> };
}

const RUNNING = ['PENDING', 'RUNNING'];

/** One conversation's outcome in a word: goal met, not met, failed, or still running. */
export function outcomeLabel(c: Conversation): [string, string] {
  if (!c.finished) return ['running', 'neutral'];
  if (c.outcome?.error) return ['failed', 'bad'];
  return c.outcome?.goal_achieved ? ['goal met', 'ok'] : ['goal not met', 'bad'];
}

/** A verdict's value as text ("yes", "0.8", …), or its error. */
export function verdictText(v: Verdict): string {
  if (v.error) return `error: ${v.error}`;
  if (v.value === undefined || v.value === null) return '—';
  return typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
}

/** Case-by-case rows of two simulations: the same case index side by side, either side possibly missing. */
export function pairByCase(a: Conversation[], b: Conversation[]): [number, Conversation | undefined, Conversation | undefined][] {
  const indexes = [...new Set([...a.map((c) => c.case_index), ...b.map((c) => c.case_index)])].sort((x, y) => x - y);
  return indexes.map((i) => [i, a.find((c) => c.case_index === i), b.find((c) => c.case_index === i)]);
}

function fetchConversations(jobId: string): Promise<Conversation[]> {
  const all: Conversation[] = [];
  const page = (token?: string): Promise<Conversation[]> =>
    api.get<{ conversations?: Conversation[]; next_page_token?: string }>(`${S}/${jobId}/conversations`, { max_results: 200, page_token: token }).then((r) => {
      all.push(...(r.conversations ?? []));
      return r.next_page_token ? page(r.next_page_token) : all;
    });
  return page();
}

export function SimulationPage({ experimentId }: { experimentId: string }) {
  const { query } = useLocation();
  const selected = query.get('job') ?? undefined;
  const compare = query.get('compare') ?? undefined;
  const [tick, setTick] = useState(0);
  const jobs = useAsync(() => api.get<{ jobs?: SimulationJob[] }>(S, { experiment_id: experimentId }).then((r) => r.jobs ?? []), [experimentId, tick]);
  const running = (jobs.data ?? []).some((j) => RUNNING.includes(j.status));
  usePollWhile(running, 700, () => setTick((x) => x + 1), jobs.data);
  const job = (jobs.data ?? []).find((j) => j.job_id === selected);
  const other = (jobs.data ?? []).find((j) => j.job_id === compare);
  return (
    <div className="simulation">
      <NewSimulation experimentId={experimentId} onStarted={(id) => { setQueryParam('job', id); setTick((x) => x + 1); }} />
      <section className="panel" data-testid="simulation-jobs">
        <h3>Simulations</h3>
        {jobs.loading && !jobs.data ? (
          <Loading />
        ) : jobs.error ? (
          <ErrorBox error={jobs.error} onRetry={jobs.reload} />
        ) : (jobs.data ?? []).length === 0 ? (
          <Empty title="No simulations yet">Start one from a dataset of test cases above.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Started</th>
                <th>Agent</th>
                <th>Status</th>
                <th>Conversations</th>
                <th>Goals met</th>
                <th>Failed</th>
                <th>Compare</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data!.map((j) => {
                const s = typeof j.result === 'object' && j.result ? j.result.summary : undefined;
                return (
                  <tr key={j.job_id} className={j.job_id === selected ? 'selected' : ''} onClick={() => setQueryParam('job', j.job_id)} data-testid={`simulation-${j.job_id}`}>
                    <td>{formatTime(j.creation_time)}</td>
                    <td>{j.params.run_name ?? j.params.agent?.endpoint ?? j.params.agent?.model ?? j.params.agent?.url}</td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>
                      {j.status_details?.completed ?? 0} / {j.status_details?.total ?? '?'}
                    </td>
                    <td>{s ? `${s.goal_achieved} (${Math.round(100 * (s.goal_achieved_rate ?? 0))} %)` : '—'}</td>
                    <td>{s ? s.errors : '—'}</td>
                    <td onClick={(e) => e.stopPropagation()}>
                      {selected && j.job_id !== selected && (
                        <button type="button" aria-label={`compare with ${j.job_id}`} onClick={() => setQueryParam('compare', compare === j.job_id ? undefined : j.job_id)}>
                          {compare === j.job_id ? 'Stop comparing' : 'Compare'}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      {job && other ? <CompareSimulations a={job} b={other} /> : job && <SimulationDetail job={job} />}
      <DistillPanel experimentId={experimentId} />
    </div>
  );
}

function NewSimulation({ experimentId, onStarted }: { experimentId: string; onStarted: (jobId: string) => void }) {
  const scorers = useScorerNames(experimentId);
  const datasets = useDatasets(experimentId);
  const [dataset, setDataset] = useState('');
  const [agentType, setAgentType] = useState('chat_completions');
  const [agentUrl, setAgentUrl] = useState('');
  const [agentModel, setAgentModel] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [stream, setStream] = useState(false);
  const [userModel, setUserModel] = useState('');
  const [judges, setJudges] = useState<string[]>([]);
  const [maxTurns, setMaxTurns] = useState(10);
  const [concurrency, setConcurrency] = useState(10);
  const [runName, setRunName] = useState('');
  const [error, setError] = useState<Error>();
  const start = async () => {
    setError(undefined);
    try {
      const agent = agentType === 'gateway' ? { type: 'gateway', endpoint: endpoint.trim() } : { type: agentType, url: agentUrl.trim(), model: agentModel.trim() || 'agent', stream };
      const r = await api.post<{ job: SimulationJob }>(S, {
        experiment_id: experimentId,
        dataset_id: dataset,
        agent,
        user_model: userModel.trim() || undefined,
        scorers: judges,
        max_turns: maxTurns,
        concurrency,
        run_name: runName.trim() || undefined,
      });
      onStarted(r.job.job_id);
    } catch (e) {
      setError(e as Error);
    }
  };
  const agentReady = agentType === 'gateway' ? endpoint.trim() !== '' : agentUrl.trim() !== '';
  return (
    <section className="panel" data-testid="new-simulation">
      <h3>Simulate conversations</h3>
      <div className="form-grid">
        <label>
          Test cases (dataset)
          <DatasetSelect label="test cases dataset" datasets={datasets} value={dataset} onChange={setDataset} />
        </label>
        <label>
          Agent
          <select aria-label="agent type" value={agentType} onChange={(e) => setAgentType(e.target.value)}>
            <option value="chat_completions">URL speaking Chat Completions</option>
            <option value="responses">URL speaking the Responses API</option>
            <option value="gateway">Gateway endpoint</option>
          </select>
        </label>
        {agentType === 'gateway' ? (
          <label>
            Endpoint <input aria-label="agent endpoint" placeholder="my-agent" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
          </label>
        ) : (
          <>
            <label>
              Agent URL <input aria-label="agent url" placeholder="http://agent:8000/v1" value={agentUrl} onChange={(e) => setAgentUrl(e.target.value)} />
            </label>
            <label>
              Agent model <input aria-label="agent model" placeholder="agent" value={agentModel} onChange={(e) => setAgentModel(e.target.value)} />
            </label>
            <label>
              Answers
              <select aria-label="agent streaming" value={stream ? 'stream' : 'json'} onChange={(e) => setStream(e.target.value === 'stream')}>
                <option value="json">one JSON answer</option>
                <option value="stream">streamed (server-sent events)</option>
              </select>
            </label>
          </>
        )}
        <label>
          Simulated user model <input aria-label="user model" placeholder="gateway:/my-endpoint" value={userModel} onChange={(e) => setUserModel(e.target.value)} />
        </label>
        <label>
          Max turns <input type="number" aria-label="max turns" min={1} max={50} value={maxTurns} onChange={(e) => setMaxTurns(Number(e.target.value))} />
        </label>
        <label>
          Conversations at once <input type="number" aria-label="concurrency" min={1} max={64} value={concurrency} onChange={(e) => setConcurrency(Number(e.target.value))} />
        </label>
        <label>
          Run name <input aria-label="run name" placeholder="agent-v2" value={runName} onChange={(e) => setRunName(e.target.value)} />
        </label>
      </div>
      <ScorerChecklist label="Session judges:" what="judge" scorers={scorers} chosen={judges} onChange={setJudges} />
      <div className="actions">
        <button type="button" className="primary" disabled={!dataset || !agentReady} onClick={() => void start()}>
          Start simulation
        </button>
      </div>
      {error && <ErrorBox error={error} />}
    </section>
  );
}

function SimulationDetail({ job }: { job: SimulationJob }) {
  const live = RUNNING.includes(job.status);
  const [tick, setTick] = useState(0);
  const conversations = useAsync(() => fetchConversations(job.job_id), [job.job_id, job.status, tick]);
  usePollWhile(live, 1000, () => setTick((x) => x + 1), conversations.data);
  const [open, setOpen] = useState<number>();
  const summary = typeof job.result === 'object' && job.result ? job.result : undefined;
  const done = job.status_details?.completed ?? 0;
  const total = job.status_details?.total ?? 0;
  return (
    <section className="panel" data-testid="simulation-detail">
      <h3>
        Simulation <code>{job.job_id}</code> <StatusBadge status={job.status} />
      </h3>
      {live && (
        <div className="progress" aria-label="simulation progress">
          <div style={{ width: `${total ? Math.round((100 * done) / total) : 0}%` }} />
        </div>
      )}
      {typeof job.result === 'string' && <ErrorBox error={new Error(job.result)} />}
      {summary?.summary && (
        <p data-testid="simulation-summary">
          {summary.summary.conversations} conversations · {summary.summary.goal_achieved} reached their goal · {summary.summary.errors} failed · {summary.summary.mean_turns?.toFixed(1)} turns on average
          {Object.entries(summary.judges ?? {}).map(([name, j]) => (
            <span key={name} className="chip">
              {name}: {j.passed} passed, {j.failed} failed{j.errors ? `, ${j.errors} errors` : ''}
            </span>
          ))}
        </p>
      )}
      {job.run_id && (
        <p className="muted">
          Traces and metrics are on <Link to={`/runs/${job.run_id}`}>its run</Link>.
        </p>
      )}
      {conversations.error && <ErrorBox error={conversations.error} onRetry={conversations.reload} />}
      {!conversations.data && conversations.loading ? (
        <Loading />
      ) : (conversations.data ?? []).length === 0 ? (
        <Empty title="No conversation has started yet" />
      ) : (
        <div className="conversations" data-testid="simulation-conversations">
          {conversations.data!.map((c) => {
            const [label, kind] = outcomeLabel(c);
            const expanded = open === c.case_index;
            return (
              <article key={c.case_index} className="conversation" data-testid={`conversation-${c.case_index}`}>
                <header onClick={() => setOpen(expanded ? undefined : c.case_index)}>
                  <strong>#{c.case_index}</strong> {c.goal} <span className={`badge ${kind}`}>{label}</span> <span className="muted">{c.turns.length} turns</span>
                </header>
                {expanded && <ConversationView conversation={c} experimentId={job.params.experiment_id ?? ''} />}
              </article>
            );
          })}
        </div>
      )}
    </section>
  );
}

function ConversationView({ conversation: c, experimentId }: { conversation: Conversation; experimentId: string }) {
  return (
    <div className="conversation-body" data-testid="conversation-view">
      <div className="chat">
        <p className="muted">Persona: {c.persona}</p>
        {c.turns.map((t, i) => (
          <div key={t.trace_id}>
            <div className="msg user">
              <span className="who">user</span> {t.user}
            </div>
            {t.assistant !== undefined ? (
              <div className="msg assistant">
                <span className="who">agent</span> {t.assistant}
              </div>
            ) : (
              <div className="msg failed">the agent did not answer</div>
            )}
            <div className="turn-foot">
              <Link to={`/experiments/${experimentId}/traces/${t.trace_id}`}>trace</Link>
              {t.goal_met !== undefined && <span className={`badge ${t.goal_met ? 'ok' : 'neutral'}`}>goal check after turn {i + 1}: {t.goal_met ? 'met' : 'not yet'}</span>}
            </div>
          </div>
        ))}
        {c.outcome?.error && <ErrorBox error={new Error(c.outcome.error)} />}
      </div>
      <aside className="verdicts" data-testid="conversation-verdicts">
        <h4>Goal check</h4>
        <p>{c.outcome?.goal_check ? `${c.outcome.goal_check.met ? 'Met' : 'Not met'} — ${c.outcome.goal_check.rationale}` : '—'}</p>
        <h4>Session judges</h4>
        {c.assessments.filter((v) => v.kind !== 'expectation').length === 0 && <p className="muted">none</p>}
        {c.assessments
          .filter((v) => v.kind !== 'expectation')
          .map((v) => (
            <p key={v.name}>
              <strong>{v.name}</strong>: {verdictText(v)}
              {v.rationale && <span className="muted"> — {v.rationale}</span>}
            </p>
          ))}
        {c.assessments.some((v) => v.kind === 'expectation') && <h4>Expectations</h4>}
        {c.assessments
          .filter((v) => v.kind === 'expectation')
          .map((v) => (
            <p key={v.name}>
              <strong>{v.name}</strong>: {verdictText(v)}
            </p>
          ))}
      </aside>
    </div>
  );
}

function CompareSimulations({ a, b }: { a: SimulationJob; b: SimulationJob }) {
  const both = useAsync(() => Promise.all([fetchConversations(a.job_id), fetchConversations(b.job_id)]), [a.job_id, b.job_id, a.status, b.status]);
  const judges = [...new Set((both.data ?? []).flat().flatMap((c) => c.assessments.filter((v) => v.kind !== 'expectation').map((v) => v.name)))];
  const cell = (c?: Conversation) => {
    if (!c) return <td colSpan={2 + judges.length} className="muted">not run</td>;
    const [label, kind] = outcomeLabel(c);
    return (
      <>
        <td>
          <span className={`badge ${kind}`}>{label}</span>
        </td>
        <td>{c.turns.length}</td>
        {judges.map((j) => (
          <td key={j}>{verdictText(c.assessments.find((v) => v.name === j) ?? { name: j })}</td>
        ))}
      </>
    );
  };
  return (
    <section className="panel" data-testid="simulation-compare">
      <h3>
        Comparing <code>{a.params.run_name ?? a.job_id}</code> with <code>{b.params.run_name ?? b.job_id}</code>
      </h3>
      {both.error && <ErrorBox error={both.error} />}
      {!both.data ? (
        <Loading />
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th rowSpan={2}>Case</th>
              <th rowSpan={2}>Goal</th>
              <th colSpan={2 + judges.length}>{a.params.run_name ?? 'A'}</th>
              <th colSpan={2 + judges.length}>{b.params.run_name ?? 'B'}</th>
            </tr>
            <tr>
              {[0, 1].map((side) => (
                <Fragment key={side}>
                  <th>Outcome</th>
                  <th>Turns</th>
                  {judges.map((j) => (
                    <th key={j}>{j}</th>
                  ))}
                </Fragment>
              ))}
            </tr>
          </thead>
          <tbody>
            {pairByCase(both.data[0], both.data[1]).map(([i, x, y]) => (
              <tr key={i} data-testid={`compare-case-${i}`}>
                <td>#{i}</td>
                <td>{(x ?? y)?.goal}</td>
                {cell(x)}
                {cell(y)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DistillPanel({ experimentId }: { experimentId: string }) {
  const datasets = useDatasets(experimentId);
  const [model, setModel] = useState('');
  const [maxSessions, setMaxSessions] = useState(20);
  const [proposals, setProposals] = useState<(Proposal & { keep: boolean })[]>();
  const [target, setTarget] = useState('');
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<Error>();
  const distill = async () => {
    setError(undefined);
    setSaved(undefined);
    setBusy(true);
    try {
      const r = await api.post<{ proposals: Proposal[] }>(`${S}/distill`, { experiment_id: experimentId, model: model.trim() || undefined, max_sessions: maxSessions });
      setProposals(r.proposals.map((p) => ({ ...p, keep: true })));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const edit = (i: number, field: 'goal' | 'persona', value: string) =>
    setProposals((ps) => ps?.map((p, j) => (j === i ? { ...p, test_case: { ...p.test_case, [field]: value } } : p)));
  const save = async () => {
    setError(undefined);
    try {
      let datasetId = target;
      if (!datasetId) {
        const created = await api.post<{ dataset: { dataset_id: string } }>('3.0/mlflow/datasets/create', { name: newName.trim(), experiment_ids: [experimentId] });
        datasetId = created.dataset.dataset_id;
      }
      const records = (proposals ?? []).filter((p) => p.keep).map((p) => ({ inputs: p.test_case }));
      await api.post(`3.0/mlflow/datasets/${datasetId}/records`, { records: JSON.stringify(records) });
      setSaved(`${records.length} test cases saved`);
      datasets.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section className="panel" data-testid="distill">
      <h3>Test cases from sessions</h3>
      <p className="muted">A model reads the experiment's recent sessions and proposes a goal, persona, guidelines and expected outcome for each; review them, then save them to a dataset.</p>
      <div className="inline-form">
        <input aria-label="distill model" placeholder="gateway:/my-endpoint" value={model} onChange={(e) => setModel(e.target.value)} />
        <label>
          Sessions <input type="number" aria-label="max sessions" min={1} max={200} value={maxSessions} onChange={(e) => setMaxSessions(Number(e.target.value))} />
        </label>
        <button type="button" disabled={busy} onClick={() => void distill()}>
          {busy ? 'Reading sessions…' : 'Propose test cases'}
        </button>
      </div>
      {proposals && proposals.length === 0 && <Empty title="No test cases found in the sessions" />}
      {proposals && proposals.length > 0 && (
        <>
          <table className="grid" data-testid="proposals">
            <thead>
              <tr>
                <th>Keep</th>
                <th>Session</th>
                <th>Goal</th>
                <th>Persona</th>
                <th>Expected outcome</th>
              </tr>
            </thead>
            <tbody>
              {proposals.map((p, i) => (
                <tr key={p.session_id}>
                  <td>
                    <input type="checkbox" aria-label={`keep ${i}`} checked={p.keep} onChange={(e) => setProposals((ps) => ps?.map((x, j) => (j === i ? { ...x, keep: e.target.checked } : x)))} />
                  </td>
                  <td className="mono">{p.session_id}</td>
                  <td>
                    <textarea aria-label={`goal ${i}`} rows={2} value={p.test_case.goal} onChange={(e) => edit(i, 'goal', e.target.value)} />
                  </td>
                  <td>
                    <textarea aria-label={`persona ${i}`} rows={2} value={p.test_case.persona ?? ''} onChange={(e) => edit(i, 'persona', e.target.value)} />
                  </td>
                  <td>{String(p.test_case.expectations?.expected_outcome ?? '—')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="inline-form">
            <DatasetSelect label="save to dataset" none="a new dataset named…" datasets={datasets} value={target} onChange={setTarget} />
            {!target && <input aria-label="new dataset name" placeholder="simulation-cases" value={newName} onChange={(e) => setNewName(e.target.value)} />}
            <button type="button" className="primary" disabled={!target && !newName.trim()} onClick={() => void save()}>
              Save to dataset
            </button>
            {saved && <span data-testid="distill-saved">{saved}</span>}
          </div>
        </>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

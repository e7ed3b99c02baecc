import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Experiment, type TraceInfo } from '../api';
import { Empty, ErrorBox, JsonView, Loading } from '../components/common';
import { Link } from '../router';
import { parseJson, useAsync } from '../util';

// A labeling queue: the experiment's traces one at a time, the questions its schema asks, answered from the
// keyboard. Every answer is a HUMAN feedback assessment, the material judges are aligned with.

/** One question of an experiment's labeling schema (kept in the experiment tag `osprey.labeling.schema`). */
export interface Question {
  name: string;
  kind: 'yes_no' | 'labels' | 'number';
  labels?: string[];
  prompt?: string;
}

export const SCHEMA_TAG = 'osprey.labeling.schema';

/** The schema stored on the experiment; malformed entries are dropped. */
export function readSchema(text: string | undefined): Question[] {
  const raw = parseJson(text);
  if (!Array.isArray(raw)) return [];
  return raw.filter((q): q is Question => !!q && typeof q.name === 'string' && q.name.trim() !== '' && ['yes_no', 'labels', 'number'].includes(q.kind));
}

/** The value a key press gives for a question: y/n for yes/no, 1-9 for the n-th label or the number n; else none. */
export function answerForKey(q: Question, key: string): unknown {
  if (q.kind === 'yes_no') return key === 'y' ? true : key === 'n' ? false : undefined;
  const n = Number(key);
  if (!Number.isInteger(n) || n < 1 || n > 9) return undefined;
  if (q.kind === 'labels') return q.labels?.[n - 1];
  return n;
}

/** Whether a person already answered this question on the trace (valid HUMAN feedback of its name). */
export function answered(t: TraceInfo, q: Question): boolean {
  return (t.assessments ?? []).some((a) => a.assessment_name === q.name && a.source?.source_type === 'HUMAN' && a.valid !== false && a.feedback !== undefined);
}

export function LabelingPage({ experimentId }: { experimentId: string }) {
  const exp = useAsync(() => api.get<{ experiment: Experiment }>('2.0/mlflow/experiments/get', { experiment_id: experimentId }), [experimentId]);
  const schemaText = exp.data?.experiment.tags?.find((t) => t.key === SCHEMA_TAG)?.value;
  const schema = useMemo(() => readSchema(schemaText), [schemaText]);
  if (exp.loading && !exp.data) return <Loading />;
  if (exp.error) return <ErrorBox error={exp.error} onRetry={exp.reload} />;
  return (
    <div className="labeling">
      <SchemaEditor experimentId={experimentId} schema={schema} onSaved={exp.reload} />
      {schema.length === 0 ? (
        <Empty title="No questions yet">Add a question above: what should reviewers answer about each trace?</Empty>
      ) : (
        <Queue experimentId={experimentId} schema={schema} />
      )}
    </div>
  );
}

function SchemaEditor({ experimentId, schema, onSaved }: { experimentId: string; schema: Question[]; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Question['kind']>('yes_no');
  const [labels, setLabels] = useState('');
  const [prompt, setPrompt] = useState('');
  const [error, setError] = useState<Error>();
  const save = async (next: Question[]) => {
    setError(undefined);
    try {
      await api.post('2.0/mlflow/experiments/set-experiment-tag', { experiment_id: experimentId, key: SCHEMA_TAG, value: JSON.stringify(next) });
      onSaved();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section className="panel" data-testid="labeling-schema">
      <h3>Questions</h3>
      {schema.length > 0 && (
        <ul className="schema">
          {schema.map((q) => (
            <li key={q.name}>
              <strong>{q.name}</strong> <span className="muted">{q.kind === 'labels' ? `one of ${q.labels?.join(', ')}` : q.kind === 'yes_no' ? 'yes / no' : 'a number 1-9'}</span>
              {q.prompt && <span> — {q.prompt}</span>}{' '}
              <button type="button" className="link" onClick={() => void save(schema.filter((x) => x.name !== q.name))}>
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim() || schema.some((q) => q.name === name.trim())) return;
          const q: Question = { name: name.trim(), kind, prompt: prompt.trim() || undefined };
          if (kind === 'labels') q.labels = labels.split(',').map((l) => l.trim()).filter(Boolean).slice(0, 9);
          void save([...schema, q]).then(() => {
            setName('');
            setLabels('');
            setPrompt('');
          });
        }}
      >
        <input aria-label="question name" placeholder="name (as the judge is named)" value={name} onChange={(e) => setName(e.target.value)} />
        <select aria-label="answer kind" value={kind} onChange={(e) => setKind(e.target.value as Question['kind'])}>
          <option value="yes_no">yes / no</option>
          <option value="labels">labels</option>
          <option value="number">number 1-9</option>
        </select>
        {kind === 'labels' && <input aria-label="labels" placeholder="good, ok, bad" value={labels} onChange={(e) => setLabels(e.target.value)} />}
        <input aria-label="question" placeholder="question shown to reviewers" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        <button type="submit">Add question</button>
      </form>
      {error && <ErrorBox error={error} />}
    </section>
  );
}

function Queue({ experimentId, schema }: { experimentId: string; schema: Question[] }) {
  const [onlyOpen, setOnlyOpen] = useState(true);
  const traces = useAsync(
    () =>
      api
        .post<{ traces?: TraceInfo[] }>('3.0/mlflow/traces/search', {
          locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
          order_by: ['timestamp_ms DESC'],
          max_results: 200,
        })
        .then((r) => r.traces ?? []),
    [experimentId],
  );
  // Answers given in this session, so the queue moves on without a reload.
  const [given, setGiven] = useState<Record<string, Record<string, unknown>>>({});
  const queue = useMemo(
    () => (traces.data ?? []).filter((t) => !onlyOpen || schema.some((q) => !answered(t, q) && given[t.trace_id]?.[q.name] === undefined) || given[t.trace_id] !== undefined),
    // `given` is left out on purpose: a trace answered now stays in the list until the filter changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [traces.data, onlyOpen, schema],
  );
  const [index, setIndex] = useState(0);
  const [rationale, setRationale] = useState('');
  const [error, setError] = useState<Error>();
  const rationaleBox = useRef<HTMLInputElement>(null);
  const trace = queue[Math.min(index, queue.length - 1)];
  const open = trace ? schema.filter((q) => !answered(trace, q) && given[trace.trace_id]?.[q.name] === undefined) : [];
  const question = open[0];

  const record = useCallback(
    async (q: Question, value: unknown) => {
      if (!trace) return;
      setError(undefined);
      try {
        await api.post(`3.0/mlflow/traces/${encodeURIComponent(trace.trace_id)}/assessments`, {
          assessment: {
            assessment_name: q.name,
            trace_id: trace.trace_id,
            source: { source_type: 'HUMAN', source_id: 'osprey-ui' },
            feedback: { value },
            rationale: rationale.trim() || undefined,
          },
        });
        const mine = { ...(given[trace.trace_id] ?? {}), [q.name]: value };
        setGiven((g) => ({ ...g, [trace.trace_id]: mine }));
        setRationale('');
        const left = schema.filter((x) => !answered(trace, x) && mine[x.name] === undefined);
        if (left.length === 0) setIndex((i) => Math.min(i + 1, queue.length - 1));
      } catch (e) {
        setError(e as Error);
      }
    },
    [trace, rationale, given, schema, queue.length],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (/INPUT|TEXTAREA|SELECT/.test(target.tagName)) {
        if (e.key === 'Escape') target.blur();
        return;
      }
      if (e.key === 'j' || e.key === 'ArrowRight') setIndex((i) => Math.min(i + 1, queue.length - 1));
      else if (e.key === 'k' || e.key === 'ArrowLeft') setIndex((i) => Math.max(i - 1, 0));
      else if (e.key === 'r') {
        e.preventDefault();
        rationaleBox.current?.focus();
      } else if (question) {
        const value = answerForKey(question, e.key);
        if (value !== undefined) void record(question, value);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [queue.length, question, record]);

  if (traces.loading && !traces.data) return <Loading />;
  if (traces.error) return <ErrorBox error={traces.error} onRetry={traces.reload} />;
  const done = queue.filter((t) => schema.every((q) => answered(t, q) || given[t.trace_id]?.[q.name] !== undefined)).length;
  return (
    <section className="panel queue" data-testid="labeling-queue">
      <div className="queue-head">
        <strong data-testid="queue-position">
          {queue.length === 0 ? 0 : Math.min(index, queue.length - 1) + 1} / {queue.length}
        </strong>
        <span className="muted" data-testid="queue-done">
          {done} done
        </span>
        <label>
          <input type="checkbox" checked={onlyOpen} onChange={(e) => { setOnlyOpen(e.target.checked); setIndex(0); }} /> only traces with open questions
        </label>
        <span className="muted keys">j/k next/previous · y/n yes/no · 1-9 label · r rationale</span>
      </div>
      {!trace ? (
        <Empty title="Nothing to label">Every trace has an answer to every question.</Empty>
      ) : (
        <div className="queue-item" data-testid="queue-item" data-trace={trace.trace_id}>
          <div className="queue-io">
            <JsonView label="Request" value={parseJson(trace.request_preview) ?? trace.request_preview} />
            <JsonView label="Response" value={parseJson(trace.response_preview) ?? trace.response_preview} />
            <Link to={`/experiments/${experimentId}/traces/${trace.trace_id}`}>Open the whole trace</Link>
          </div>
          <div className="queue-questions">
            {schema.map((q) => {
              const value = given[trace.trace_id]?.[q.name];
              const previous = (trace.assessments ?? []).find((a) => a.assessment_name === q.name && a.source?.source_type === 'HUMAN' && a.valid !== false);
              const shown = value !== undefined ? value : previous?.feedback?.value;
              return (
                <div key={q.name} className={q === question ? 'question active' : 'question'} data-testid={`question-${q.name}`}>
                  <strong>{q.name}</strong> {q.prompt && <span>{q.prompt}</span>}
                  <div className="answers">
                    {(q.kind === 'yes_no' ? [true, false] : q.kind === 'labels' ? (q.labels ?? []) : [1, 2, 3, 4, 5]).map((v, i) => (
                      <button key={String(v)} type="button" className={shown === v ? 'chosen' : ''} onClick={() => void record(q, v)}>
                        {q.kind === 'yes_no' ? (v ? 'yes (y)' : 'no (n)') : `${String(v)} (${i + 1})`}
                      </button>
                    ))}
                  </div>
                  {shown !== undefined && <span className="muted" data-testid={`answer-${q.name}`}>answered: {String(shown)}</span>}
                </div>
              );
            })}
            <input ref={rationaleBox} aria-label="rationale" placeholder="rationale (optional, r)" value={rationale} onChange={(e) => setRationale(e.target.value)} />
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

import { useCallback, useState } from 'react';
import { api, ApiError, type TraceInfo } from '../api';
import { Empty, ErrorBox, Loading, StatusBadge } from '../components/common';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { Link, navigate, setQueryParam, useLocation } from '../router';
import { durationMs, formatCost, formatDuration, formatNumber, formatTime, parseJson, quote, usePages } from '../util';

const RANGES: [string, string, number][] = [
  ['', 'All time', 0],
  ['1h', 'Last hour', 3600e3],
  ['24h', 'Last 24 hours', 86400e3],
  ['7d', 'Last 7 days', 7 * 86400e3],
  ['30d', 'Last 30 days', 30 * 86400e3],
];

/** The SearchTraces filter for the page's controls, joined with AND. */
export function traceFilter(f: { status?: string; range?: string; text?: string; tag?: string; session?: string; extra?: string }, now: number): string {
  const parts: string[] = [];
  if (f.status) parts.push(`trace.status = ${quote(f.status)}`);
  const range = RANGES.find((r) => r[0] === f.range);
  if (range && range[2] > 0) parts.push(`trace.timestamp_ms >= ${Math.floor(now - range[2])}`);
  if (f.text) parts.push(`trace.text ILIKE ${quote(`%${f.text}%`)}`);
  if (f.tag) {
    const eq = f.tag.indexOf('=');
    if (eq > 0) parts.push(`tags.\`${f.tag.slice(0, eq).trim()}\` = ${quote(f.tag.slice(eq + 1).trim())}`);
  }
  if (f.session) parts.push(`metadata.\`mlflow.trace.session\` = ${quote(f.session)}`);
  if (f.extra) parts.push(f.extra);
  return parts.join(' AND ');
}

export function tokenUsage(t: TraceInfo): { input?: number; output?: number; total?: number } {
  const u = parseJson(t.trace_metadata?.['mlflow.trace.tokenUsage']) as Record<string, number> | undefined;
  if (!u || typeof u !== 'object') return {};
  return { input: u.input_tokens, output: u.output_tokens, total: u.total_tokens };
}

export function traceCost(t: TraceInfo): number | undefined {
  const c = parseJson(t.trace_metadata?.['mlflow.trace.cost']) as Record<string, number> | undefined;
  return c && typeof c === 'object' ? c.total_cost : undefined;
}

export function TracesPage({ experimentId, sessions }: { experimentId: string; sessions?: boolean }) {
  const { query } = useLocation();
  const session = query.get('session') ?? undefined;
  if (sessions && !session) return <SessionsList experimentId={experimentId} />;
  return <TraceList experimentId={experimentId} session={session} />;
}

function TraceList({ experimentId, session }: { experimentId: string; session?: string }) {
  const { query } = useLocation();
  const controls = { status: query.get('status') ?? '', range: query.get('range') ?? '', text: query.get('text') ?? '', tag: query.get('tag') ?? '', session };
  const [text, setText] = useState(controls.text);
  const [tag, setTag] = useState(controls.tag);
  const filter = traceFilter(controls, Date.now());
  const request = useCallback(
    (pageToken?: string) =>
      api.post<{ traces?: TraceInfo[]; next_page_token?: string }>('3.0/mlflow/traces/search', {
        locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }],
        filter,
        order_by: ['timestamp_ms DESC'],
        max_results: 200,
        page_token: pageToken,
      }),
    // The time window is fixed when the controls change, not on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [experimentId, controls.status, controls.range, controls.text, controls.tag, session],
  );
  const first = usePages((token) => request(token).then((p) => ({ items: p.traces ?? [], next: p.next_page_token })), [request]);
  const traces = first.items;
  const columns: Column<TraceInfo>[] = [
    { id: 'id', header: 'Trace', width: 170, render: (t) => <Link to={`/experiments/${experimentId}/traces/${t.trace_id}`}>{t.trace_id.slice(0, 14)}…</Link> },
    { id: 'request', header: 'Request', width: 260, render: (t) => <span title={t.request_preview}>{t.request_preview ?? '—'}</span> },
    { id: 'response', header: 'Response', width: 260, render: (t) => <span title={t.response_preview}>{t.response_preview ?? '—'}</span> },
    { id: 'time', header: 'Time', width: 160, render: (t) => formatTime(t.request_time) },
    { id: 'duration', header: 'Latency', width: 90, render: (t) => formatDuration(durationMs(t.execution_duration)) },
    { id: 'status', header: 'Status', width: 100, render: (t) => <StatusBadge status={t.state} /> },
    { id: 'tokens', header: 'Tokens', width: 80, render: (t) => formatNumber(tokenUsage(t).total) },
    { id: 'cost', header: 'Cost', width: 80, render: (t) => formatCost(traceCost(t)) },
    { id: 'assessments', header: 'Assessments', width: 200, render: (t) => <Verdicts trace={t} /> },
  ];
  const filterError = first.error instanceof ApiError && first.error.status === 400 ? first.error : undefined;
  return (
    <section>
      {session && (
        <div className="muted">
          Session <strong className="mono">{session}</strong> — <Link to={`/experiments/${experimentId}/sessions`}>all sessions</Link>
        </div>
      )}
      <div className="toolbar">
        <select aria-label="status" value={controls.status} onChange={(e) => setQueryParam('status', e.target.value)}>
          <option value="">Any status</option>
          <option value="OK">OK</option>
          <option value="ERROR">Error</option>
          <option value="IN_PROGRESS">In progress</option>
        </select>
        <select aria-label="time range" value={controls.range} onChange={(e) => setQueryParam('range', e.target.value)}>
          {RANGES.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
        <form
          className="grow"
          onSubmit={(e) => {
            e.preventDefault();
            setQueryParam('text', text.trim());
          }}
        >
          <input data-search aria-label="search trace text" placeholder="Search inputs, outputs and span content ( / )" value={text} onChange={(e) => setText(e.target.value)} />
        </form>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setQueryParam('tag', tag.trim());
          }}
        >
          <input aria-label="tag filter" placeholder="tag = value" value={tag} onChange={(e) => setTag(e.target.value)} />
        </form>
      </div>
      {filterError && (
        <div className="inline-error" role="alert">
          {filterError.message}
        </div>
      )}
      {first.error && !filterError ? (
        <ErrorBox error={first.error} onRetry={first.reload} />
      ) : first.loading && traces.length === 0 ? (
        <Loading />
      ) : traces.length === 0 ? (
        <Empty title={filter ? 'No trace matches these filters' : 'No traces yet'}>{!filter && 'Send OTLP spans to /v1/traces or use mlflow.trace / the Osprey tracing SDK.'}</Empty>
      ) : (
        <VirtualTable label="traces" rows={traces} columns={columns} rowKey={(t) => t.trace_id} onEndReached={first.more} onOpen={(t) => navigate(`/experiments/${experimentId}/traces/${t.trace_id}`)} />
      )}
    </section>
  );
}

function Verdicts({ trace }: { trace: TraceInfo }) {
  const list = (trace.assessments ?? []).filter((a) => a.feedback && a.valid !== false);
  if (list.length === 0) return <span className="muted">—</span>;
  return (
    <span className="verdicts">
      {list.slice(0, 4).map((a) => (
        <span key={a.assessment_id} className={`chip ${verdictClass(a.feedback?.value)}`} title={a.rationale}>
          {a.assessment_name}: {String(a.feedback?.value ?? 'error')}
        </span>
      ))}
    </span>
  );
}

export function verdictClass(v: unknown): string {
  const s = String(v).toLowerCase();
  if (v === true || s === 'yes' || s === 'pass' || s === 'true') return 'ok';
  if (v === false || s === 'no' || s === 'fail' || s === 'false') return 'bad';
  return 'neutral';
}

interface Session {
  session_id: string;
  trace_count: number;
  first_request_time: string;
  last_activity_time: string;
  total_duration_ms: number;
  total_tokens: number;
  total_cost: number;
}

function SessionsList({ experimentId }: { experimentId: string }) {
  const first = usePages(
    (token) =>
      api
        .get<{ sessions?: Session[]; next_page_token?: string }>('3.0/mlflow/traces/sessions', { experiment_id: experimentId, max_results: 100, page_token: token })
        .then((r) => ({ items: r.sessions ?? [], next: r.next_page_token })),
    [experimentId],
  );
  if (first.error) return <ErrorBox error={first.error} onRetry={first.reload} />;
  const sessions = first.items;
  if (first.loading && sessions.length === 0) return <Loading />;
  if (sessions.length === 0) return <Empty title="No sessions">Traces join a session when their root span sets session.id (or mlflow.trace.session metadata).</Empty>;
  return (
    <section>
      <table className="grid" data-testid="sessions">
        <thead>
          <tr>
            <th>Session</th>
            <th>Traces</th>
            <th>First request</th>
            <th>Last activity</th>
            <th>Total latency</th>
            <th>Tokens</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.session_id}>
              <td>
                <Link to={`/experiments/${experimentId}/sessions?session=${encodeURIComponent(s.session_id)}`}>{s.session_id}</Link>
              </td>
              <td>{s.trace_count}</td>
              <td>{formatTime(s.first_request_time)}</td>
              <td>{formatTime(s.last_activity_time)}</td>
              <td>{formatDuration(s.total_duration_ms)}</td>
              <td>{formatNumber(s.total_tokens)}</td>
              <td>{formatCost(s.total_cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {first.hasMore && (
        <button type="button" className="more" onClick={first.more}>
          Load more
        </button>
      )}
    </section>
  );
}

import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type Assessment, type Span, type TraceInfo } from '../api';
import { Empty, ErrorBox, JsonView, KeyValueTable, Loading, StatusBadge, Tabs } from '../components/common';
import { Link } from '../router';
import { durationMs, formatCost, formatDuration, formatNumber, formatTime, parseJson, useAsync } from '../util';
import { tokenUsage, traceCost, verdictClass } from './TracesPage';

const SPAN_PAGE = 500;
const ROW = 26;

/** OTLP JSON attributes ([{key, value: {string_value}}]) or MLflow's plain map, as key -> decoded value. */
export function spanAttributes(span: Span): Record<string, unknown> {
  const raw = span.attributes as unknown;
  const out: Record<string, unknown> = {};
  const decode = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const parsed = parseJson(v);
      return parsed;
    }
    return v;
  };
  if (Array.isArray(raw)) {
    for (const kv of raw as { key: string; value?: Record<string, unknown> }[]) out[kv.key] = decode(anyValue(kv.value));
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) out[k] = decode(v);
  }
  return out;
}

function anyValue(v?: Record<string, unknown>): unknown {
  if (!v) return undefined;
  if ('string_value' in v) return v.string_value;
  if ('int_value' in v) return Number(v.int_value);
  if ('double_value' in v) return v.double_value;
  if ('bool_value' in v) return v.bool_value;
  if ('array_value' in v) return ((v.array_value as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  if ('kvlist_value' in v) return Object.fromEntries(((v.kvlist_value as { values?: { key: string; value: Record<string, unknown> }[] }).values ?? []).map((x) => [x.key, anyValue(x.value)]));
  return undefined;
}

const nanos = (v: string | number) => Number(v) / 1e6;

export interface Row {
  span: Span;
  depth: number;
  hasChildren: boolean;
}

/** Depth-first rows of the span forest; spans whose parent is not loaded yet are shown as roots. */
export function flattenSpans(spans: Span[], collapsed: Set<string>): Row[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    const parent = s.parent_span_id;
    if (parent && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(s);
      children.set(parent, list);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span) => nanos(a.start_time_unix_nano) - nanos(b.start_time_unix_nano);
  const out: Row[] = [];
  const stack: [Span, number][] = roots.sort(byStart).reverse().map((s) => [s, 0]);
  while (stack.length > 0) {
    const [span, depth] = stack.pop()!;
    const kids = children.get(span.span_id) ?? [];
    out.push({ span, depth, hasChildren: kids.length > 0 });
    if (!collapsed.has(span.span_id)) for (const k of kids.sort(byStart).reverse()) stack.push([k, depth + 1]);
  }
  return out;
}

export function TracePage({ experimentId, traceId }: { experimentId: string; traceId: string }) {
  const info = useAsync(() => api.get<{ trace: { trace_info: TraceInfo } }>(`3.0/mlflow/traces/${encodeURIComponent(traceId)}`).then((r) => r.trace.trace_info), [traceId]);
  const [spans, setSpans] = useState<Span[]>([]);
  const [total, setTotal] = useState<number>();
  const [next, setNext] = useState<number | undefined>(0);
  const [spanError, setSpanError] = useState<Error>();
  const loading = useRef(false);
  const [selected, setSelected] = useState<string>();
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);

  const loadPage = (offset: number) => {
    if (loading.current) return;
    loading.current = true;
    api
      .get<{ spans: Span[]; total: number; next_offset?: number }>(`3.0/osprey/ui/traces/${encodeURIComponent(traceId)}/spans`, { offset, limit: SPAN_PAGE })
      .then((page) => {
        setSpans((s) => (offset === 0 ? page.spans : [...s, ...page.spans]));
        setTotal(page.total);
        setNext(page.next_offset);
      }, setSpanError)
      .finally(() => (loading.current = false));
  };
  useEffect(() => {
    setSpans([]);
    setNext(0);
    loadPage(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [traceId]);

  const rows = useMemo(() => flattenSpans(spans, collapsed), [spans, collapsed]);
  const [t0, t1] = useMemo(() => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of spans) {
      lo = Math.min(lo, nanos(s.start_time_unix_nano));
      hi = Math.max(hi, nanos(s.end_time_unix_nano || s.start_time_unix_nano));
    }
    return [lo, Math.max(hi, lo + 1e-3)];
  }, [spans]);
  const height = 480;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - 10);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + 10);
  useEffect(() => {
    if (next !== undefined && next > 0 && last >= rows.length - 20) loadPage(next);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [last, rows.length, next]);

  if (info.error) return <ErrorBox error={info.error} onRetry={info.reload} />;
  if (!info.data) return <Loading />;
  const t = info.data;
  const usage = tokenUsage(t);
  const current = spans.find((s) => s.span_id === selected) ?? rows[0]?.span;
  const root = rows[0]?.span;
  const rootAttrs = root ? spanAttributes(root) : {};
  return (
    <section>
      <div className="page-head">
        <h2 className="mono" data-testid="trace-id">{t.trace_id}</h2>
        <StatusBadge status={t.state} />
        <Link to={`/experiments/${experimentId}/traces`}>All traces</Link>
      </div>
      <div className="stats">
        <span>Started {formatTime(t.request_time)}</span>
        <span>Latency {formatDuration(durationMs(t.execution_duration))}</span>
        <span data-testid="trace-tokens">Tokens {formatNumber(usage.total)} (in {formatNumber(usage.input)}, out {formatNumber(usage.output)})</span>
        <span data-testid="trace-cost">Cost {formatCost(traceCost(t))}</span>
        <span data-testid="span-count">
          {spans.length.toLocaleString('en-US')} of {total === undefined ? '…' : total.toLocaleString('en-US')} spans loaded
        </span>
      </div>
      {spanError && <ErrorBox error={spanError} />}
      <div className="trace-layout">
        <div className="span-tree" style={{ height }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} tabIndex={0} role="tree" aria-label="spans"
          onKeyDown={(e) => {
            const i = rows.findIndex((r) => r.span.span_id === current?.span_id);
            if (e.key === 'ArrowDown' && i < rows.length - 1) setSelected(rows[i + 1].span.span_id);
            else if (e.key === 'ArrowUp' && i > 0) setSelected(rows[i - 1].span.span_id);
            else return;
            e.preventDefault();
          }}>
          {rows.length === 0 && total === 0 && <Empty title="This trace has no spans yet" />}
          <div style={{ height: rows.length * ROW, position: 'relative' }}>
            {rows.slice(first, last).map((r, n) => {
              const s = r.span;
              const start = nanos(s.start_time_unix_nano);
              const end = nanos(s.end_time_unix_nano || s.start_time_unix_nano);
              const left = ((start - t0) / (t1 - t0)) * 100;
              const width = Math.max(0.3, ((end - start) / (t1 - t0)) * 100);
              const error = String(s.status?.code ?? '').includes('ERROR');
              return (
                <div key={s.span_id} role="treeitem" aria-selected={current?.span_id === s.span_id} className={`span-row${current?.span_id === s.span_id ? ' selected' : ''}`} style={{ top: (first + n) * ROW, height: ROW }} onClick={() => setSelected(s.span_id)}>
                  <span className="span-name" style={{ paddingLeft: r.depth * 14 }}>
                    {r.hasChildren ? (
                      <button type="button" className="link twisty" aria-label={collapsed.has(s.span_id) ? 'expand' : 'collapse'}
                        onClick={(e) => {
                          e.stopPropagation();
                          const c = new Set(collapsed);
                          if (c.has(s.span_id)) c.delete(s.span_id);
                          else c.add(s.span_id);
                          setCollapsed(c);
                        }}>
                        {collapsed.has(s.span_id) ? '▸' : '▾'}
                      </button>
                    ) : (
                      <span className="twisty" />
                    )}
                    {s.name}
                  </span>
                  <span className="span-bar-track">
                    <span className={`span-bar${error ? ' error' : ''}`} style={{ left: `${left}%`, width: `${width}%` }} title={formatDuration(end - start)} />
                  </span>
                  <span className="span-dur">{formatDuration(end - start)}</span>
                </div>
              );
            })}
          </div>
        </div>
        <div className="span-detail">{current ? <SpanDetail span={current} /> : <Empty title="No span selected" />}</div>
      </div>
      <h3>Request and response</h3>
      <div className="io">
        <IoView title="Inputs" value={rootAttrs['mlflow.spanInputs'] ?? parseJson(t.trace_metadata?.['mlflow.traceInputs']) ?? t.request_preview} />
        <IoView title="Outputs" value={rootAttrs['mlflow.spanOutputs'] ?? parseJson(t.trace_metadata?.['mlflow.traceOutputs']) ?? t.response_preview} />
      </div>
      <Assessments trace={t} onChange={info.reload} />
      <h3>Tags and metadata</h3>
      <KeyValueTable empty="No tags" rows={[...Object.entries(t.tags ?? {}), ...Object.entries(t.trace_metadata ?? {})].map(([k, v]) => [k, v])} />
    </section>
  );
}

function SpanDetail({ span }: { span: Span }) {
  const [tab, setTab] = useState<'io' | 'attributes' | 'events'>('io');
  const attrs = spanAttributes(span);
  const usage = attrs['mlflow.chat.tokenUsage'] as Record<string, number> | undefined;
  const cost = attrs['mlflow.llm.cost'] as Record<string, number> | undefined;
  return (
    <div data-testid="span-detail">
      <h3>{span.name}</h3>
      <div className="stats">
        <span>{String(attrs['mlflow.spanType'] ?? 'UNKNOWN')}</span>
        <span>{formatDuration(nanos(span.end_time_unix_nano) - nanos(span.start_time_unix_nano))}</span>
        {usage && <span>Tokens {formatNumber(usage.total_tokens ?? (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0))}</span>}
        {cost && <span>Cost {formatCost(cost.total_cost)}</span>}
        {span.status?.message && <span className="bad">{span.status.message}</span>}
      </div>
      <Tabs tabs={[['io', 'Inputs / outputs'], ['attributes', 'Attributes'], ['events', `Events (${span.events?.length ?? 0})`]]} active={tab} onChange={setTab} />
      {tab === 'io' && (
        <>
          <IoView title="Inputs" value={attrs['mlflow.spanInputs'] ?? attrs['gen_ai.input.messages'] ?? attrs['gen_ai.prompt']} />
          <IoView title="Outputs" value={attrs['mlflow.spanOutputs'] ?? attrs['gen_ai.output.messages'] ?? attrs['gen_ai.completion']} />
        </>
      )}
      {tab === 'attributes' && <KeyValueTable empty="No attributes" rows={Object.entries(attrs).map(([k, v]) => [k, typeof v === 'string' ? v : <JsonView value={v} />])} />}
      {tab === 'events' && ((span.events ?? []).length === 0 ? <Empty title="No events" /> : <JsonView value={span.events} />)}
    </div>
  );
}

interface Message {
  role: string;
  content: unknown;
}

/** Chat messages in OpenAI, Anthropic or GenAI-convention shape, if the value holds a conversation. */
export function chatMessages(value: unknown): Message[] | undefined {
  const v = value as Record<string, unknown> | unknown[] | undefined;
  const list = Array.isArray(v) ? v : Array.isArray((v as Record<string, unknown>)?.messages) ? ((v as Record<string, unknown>).messages as unknown[]) : undefined;
  const choices = !Array.isArray(v) && Array.isArray((v as Record<string, unknown>)?.choices) ? ((v as Record<string, unknown>).choices as { message?: Message }[]).map((c) => c.message).filter(Boolean) : undefined;
  const candidate = list ?? choices;
  if (!candidate || candidate.length === 0) return undefined;
  if (!candidate.every((m) => m && typeof m === 'object' && typeof (m as Message).role === 'string')) return undefined;
  return candidate as Message[];
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'string' ? p : (p as { text?: string }).text ?? JSON.stringify(p))).join('\n');
  return JSON.stringify(content, null, 2);
}

function IoView({ title, value }: { title: string; value: unknown }) {
  const messages = chatMessages(value);
  return (
    <div className="io-view">
      <h4>{title}</h4>
      {messages ? (
        <div className="conversation" data-testid="conversation">
          {messages.map((m, i) => (
            <div key={i} className={`message ${m.role}`}>
              <span className="role">{m.role}</span>
              <div>{contentText(m.content)}</div>
            </div>
          ))}
        </div>
      ) : (
        <JsonView value={value} />
      )}
    </div>
  );
}

function Assessments({ trace, onChange }: { trace: TraceInfo; onChange: () => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('yes');
  const [rationale, setRationale] = useState('');
  const [error, setError] = useState<Error>();
  const list = trace.assessments ?? [];
  const submit = async () => {
    try {
      setError(undefined);
      const parsed: unknown = value === 'yes' || value === 'no' ? value : Number.isNaN(Number(value)) ? value : Number(value);
      await api.post(`3.0/mlflow/traces/${encodeURIComponent(trace.trace_id)}/assessments`, {
        assessment: { assessment_name: name.trim(), trace_id: trace.trace_id, source: { source_type: 'HUMAN', source_id: 'osprey-ui' }, feedback: { value: parsed }, rationale: rationale || undefined },
      });
      setName('');
      setRationale('');
      onChange();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <>
      <h3>Assessments</h3>
      {list.length === 0 ? (
        <Empty title="No assessments yet" />
      ) : (
        <table className="grid" data-testid="assessments">
          <thead>
            <tr>
              <th>Name</th>
              <th>Value</th>
              <th>Source</th>
              <th>Rationale</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a: Assessment) => {
              const v = a.feedback ? (a.feedback.error ? `error: ${a.feedback.error.error_message ?? ''}` : a.feedback.value) : a.expectation?.value;
              return (
                <tr key={a.assessment_id} className={a.valid === false ? 'muted' : ''}>
                  <td>{a.assessment_name}{a.expectation ? ' (expected)' : ''}</td>
                  <td><span className={`chip ${verdictClass(v)}`}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</span></td>
                  <td>{a.source?.source_type} {a.source?.source_id}</td>
                  <td>{a.rationale ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form
        className="toolbar feedback-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <input aria-label="feedback name" placeholder="Feedback name, e.g. correctness" value={name} onChange={(e) => setName(e.target.value)} required />
        <input aria-label="feedback value" placeholder="yes / no / a number / text" value={value} onChange={(e) => setValue(e.target.value)} required />
        <input className="grow" aria-label="rationale" placeholder="Rationale (optional)" value={rationale} onChange={(e) => setRationale(e.target.value)} />
        <button type="submit" className="primary">
          Add feedback
        </button>
      </form>
      {error && <ErrorBox error={error} />}
    </>
  );
}

import { describe, expect, it } from 'vitest';
import { diffLines, durationMs, formatDuration, renderTemplate, smooth, templateVariables } from './util';
import { traceFilter } from './pages/TracesPage';
import { experimentFilter } from './pages/ExperimentsPage';
import { orderClause } from './pages/RunsPage';
import { parseCsv } from './pages/RunPage';
import { paramDiff } from './pages/ComparePage';
import { compareRows, scoreNumber } from './pages/EvaluationsPage';
import { chatMessages, flattenSpans, spanAttributes } from './pages/TracePage';
import type { Run, Span } from './api';
import { csrfToken } from './api';

describe('formatting', () => {
  it('parses proto durations and formats them', () => {
    expect(durationMs('1.5s')).toBe(1500);
    expect(durationMs(undefined)).toBeUndefined();
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.50 s');
  });
  it('smooths with a debiased moving average that keeps the first value', () => {
    const s = smooth([10, 0, 0], 0.5);
    expect(s[0]).toBeCloseTo(10);
    expect(s[1]).toBeCloseTo(10 / 3);
    expect(smooth([1, 2], 0)).toEqual([1, 2]);
  });
});

describe('filters', () => {
  it('turns free text into a name search and passes grammar through', () => {
    expect(experimentFilter('nlp')).toBe("name ILIKE '%nlp%'");
    expect(experimentFilter("tags.team = 'a'")).toBe("tags.team = 'a'");
    expect(experimentFilter("o'brien")).toBe("name ILIKE '%o\\'brien%'");
  });
  it('builds trace filters with quoting', () => {
    expect(traceFilter({ status: 'ERROR', text: "it's", tag: 'env = prod' }, 0)).toBe(
      "trace.status = 'ERROR' AND trace.text ILIKE '%it\\'s%' AND tags.`env` = 'prod'",
    );
    expect(traceFilter({ range: '1h' }, 7_200_000)).toBe('trace.timestamp_ms >= 3600000');
    expect(traceFilter({}, 0)).toBe('');
  });
  it('quotes order_by keys that are not identifiers', () => {
    expect(orderClause('metrics.rmse', false)).toBe('metrics.rmse DESC');
    expect(orderClause('metrics.val/loss', true)).toBe('metrics.`val/loss` ASC');
  });
});

describe('prompts', () => {
  it('renders {{variables}} and lists them once', () => {
    expect(templateVariables('Hi {{ name }}, {{name}} in {{city}}')).toEqual(['name', 'city']);
    expect(renderTemplate('Hi {{ name }} from {{city}}', { name: 'Ada' })).toBe('Hi Ada from {{city}}');
  });
  it('diffs lines', () => {
    expect(diffLines('a\nb\nc', 'a\nx\nc')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
    ]);
  });
});

describe('artifacts', () => {
  it('parses quoted CSV', () => {
    expect(parseCsv('a,b\n"x,1","say ""hi"""\r\n3,4')).toEqual([
      ['a', 'b'],
      ['x,1', 'say "hi"'],
      ['3', '4'],
    ]);
  });
});

const run = (id: string, params: Record<string, string>): Run => ({
  info: { run_id: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
  data: { params: Object.entries(params).map(([key, value]) => ({ key, value })) },
});

describe('compare', () => {
  it('flags parameters that differ', () => {
    const d = paramDiff([run('a', { lr: '0.1', depth: '3' }), run('b', { lr: '0.2', depth: '3' })]);
    expect(d).toEqual([
      { key: 'depth', values: ['3', '3'], differs: false },
      { key: 'lr', values: ['0.1', '0.2'], differs: true },
    ]);
  });
  it('finds regressions between evaluation runs by inputs', () => {
    const a = [{ traceId: '1', request: 'q1', response: '', scores: { safe: { value: 'yes' } } }, { traceId: '2', request: 'q2', response: '', scores: { safe: { value: 'no' } } }];
    const b = [{ traceId: '3', request: 'q1', response: '', scores: { safe: { value: 'no' } } }, { traceId: '4', request: 'q2', response: '', scores: { safe: { value: 'yes' } } }];
    const rows = compareRows(a, b, ['safe']);
    expect(rows.find((r) => r.key === 'q1')?.changes.safe).toBe('regression');
    expect(rows.find((r) => r.key === 'q2')?.changes.safe).toBe('improvement');
    expect(scoreNumber(0.4)).toBe(0.4);
    expect(scoreNumber('maybe')).toBeUndefined();
  });
});

const span = (id: string, parent: string | undefined, start: number): Span => ({
  trace_id: 't',
  span_id: id,
  parent_span_id: parent,
  name: id,
  start_time_unix_nano: String(start * 1e6),
  end_time_unix_nano: String((start + 1) * 1e6),
});

describe('traces', () => {
  it('flattens the span forest depth-first by start time, honouring collapse', () => {
    const spans = [span('c2', 'root', 5), span('root', undefined, 0), span('c1', 'root', 1), span('g', 'c1', 2)];
    expect(flattenSpans(spans, new Set()).map((r) => `${r.span.span_id}@${r.depth}`)).toEqual(['root@0', 'c1@1', 'g@2', 'c2@1']);
    expect(flattenSpans(spans, new Set(['c1'])).map((r) => r.span.span_id)).toEqual(['root', 'c1', 'c2']);
  });
  it('shows a span whose parent has not loaded yet as a root', () => {
    expect(flattenSpans([span('x', 'missing', 0)], new Set())[0].depth).toBe(0);
  });
  it('decodes OTLP attributes with JSON-encoded MLflow values', () => {
    const s: Span = { ...span('a', undefined, 0), attributes: [{ key: 'mlflow.spanInputs', value: { string_value: '{"q":1}' } }, { key: 'n', value: { int_value: '7' } }] as unknown as Record<string, unknown> };
    expect(spanAttributes(s)).toEqual({ 'mlflow.spanInputs': { q: 1 }, n: 7 });
  });
  it('recognises chat conversations', () => {
    expect(chatMessages({ messages: [{ role: 'user', content: 'hi' }] })).toHaveLength(1);
    expect(chatMessages({ choices: [{ message: { role: 'assistant', content: 'yo' } }] })?.[0].role).toBe('assistant');
    expect(chatMessages({ q: 1 })).toBeUndefined();
  });
});

describe('useAsync', () => {
  it('tells a superseded loader it is no longer alive and keeps the newest answer', async () => {
    const { renderHook, waitFor } = await import('@testing-library/react');
    const { useAsync } = await import('./util');
    const seen: string[] = [];
    const resolvers: Record<string, (v: string) => void> = {};
    const { result, rerender } = renderHook(({ q }) =>
      useAsync(async (alive) => {
        const v = await new Promise<string>((r) => (resolvers[q] = r));
        if (alive()) seen.push(v);
        return v;
      }, [q]), { initialProps: { q: 'old' } });
    rerender({ q: 'new' });
    resolvers.new('new answer');
    await waitFor(() => expect(result.current.data).toBe('new answer'));
    resolvers.old('old answer');
    await new Promise((r) => setTimeout(r, 10));
    expect(result.current.data).toBe('new answer');
    expect(seen).toEqual(['new answer']);
  });
});

describe('usePages', () => {
  it('appends next pages and drops a page of a superseded query', async () => {
    const { renderHook, waitFor, act } = await import('@testing-library/react');
    const { usePages } = await import('./util');
    const pending: Record<string, (p: { items: string[]; next?: string }) => void> = {};
    const { result, rerender } = renderHook(({ q }) =>
      usePages((token) => new Promise<{ items: string[]; next?: string }>((r) => (pending[`${q}:${token ?? ''}`] = r)), [q]), { initialProps: { q: 'a' } });
    await act(async () => pending['a:']({ items: ['a1'], next: 't1' }));
    await waitFor(() => expect(result.current.items).toEqual(['a1']));
    expect(result.current.hasMore).toBe(true);
    act(() => result.current.more());
    rerender({ q: 'b' });
    await act(async () => pending['b:']({ items: ['b1'] }));
    await act(async () => pending['a:t1']({ items: ['a2'] }));
    expect(result.current.items).toEqual(['b1']);
    expect(result.current.hasMore).toBe(false);
  });
});

describe('csrfToken', () => {
  it('reads the session CSRF cookie among others, and nothing without one', () => {
    expect(csrfToken('theme=dark; osprey_csrf=abc123; other=1')).toBe('abc123');
    expect(csrfToken('osprey_csrf_old=zzz; theme=dark')).toBe('');
    expect(csrfToken('')).toBe('');
  });
});

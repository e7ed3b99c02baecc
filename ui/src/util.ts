import { useCallback, useEffect, useRef, useState } from 'react';


export interface Async<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs an async loader when its dependencies change; a stale answer never overwrites a newer one. A loader with side
 * effects of its own checks {@code alive()} after each await: false once a newer load has started.
 */
export function useAsync<T>(load: (alive: () => boolean) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load(() => mine === generation.current).then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: Error) => mine === generation.current && setState({ error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/**
 * Calls `poll` `ms` after each change of `after` (a load's data) while `active`: how a page
 * follows a job that is still running.
 */
export function usePollWhile(active: boolean, ms: number, poll: () => void, after: unknown) {
  useEffect(() => {
    if (!active) return undefined;
    const t = setTimeout(poll, ms);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, after]);
}

export interface Paged<T> {
  items: T[];
  error?: Error;
  loading: boolean;
  reload: () => void;
  /** Fetches the next page, if any and none is on its way; a page of a superseded query is dropped. */
  more: () => void;
  hasMore: boolean;
  moreError?: Error;
}

/**
 * A list fetched by page token: the first page whenever the dependencies change, further pages on demand (scrolling,
 * a button). The one place lists page, so a slow answer of an old query can never land in a newer list.
 */
export function usePages<T>(fetchPage: (token?: string) => Promise<{ items: T[]; next?: string }>, deps: unknown[]): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [moreError, setMoreError] = useState<Error>();
  const token = useRef<string | undefined>(undefined);
  const busy = useRef(false);
  const generation = useRef(0);
  const first = useAsync(async (alive) => {
    const page = await fetchPage();
    if (alive()) {
      generation.current++;
      token.current = page.next;
      busy.current = false;
      setMoreError(undefined);
      setItems(page.items);
    }
    return page;
  }, deps);
  const more = useCallback(() => {
    if (!token.current || busy.current) return;
    busy.current = true;
    const mine = generation.current;
    fetchPage(token.current).then(
      (page) => {
        if (mine !== generation.current) return;
        token.current = page.next;
        busy.current = false;
        setItems((list) => [...list, ...page.items]);
      },
      (e: Error) => {
        if (mine !== generation.current) return;
        busy.current = false;
        setMoreError(e);
      },
    );
    // fetchPage is rebuilt with the same dependencies
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { items, error: first.error, loading: first.loading, reload: first.reload, more, hasMore: Boolean(token.current), moreError };
}

/** A string literal of MLflow's filter grammar. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function formatTime(ms?: number | string): string {
  if (ms === undefined || ms === '' || ms === null) return '—';
  const d = typeof ms === 'string' && !/^\d+$/.test(ms) ? new Date(ms) : new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return '—';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(ms?: number): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** "1.25s" (MLflow's proto Duration) in milliseconds. */
export function durationMs(d?: string): number | undefined {
  if (!d) return undefined;
  const v = parseFloat(d.replace(/s$/, ''));
  return Number.isFinite(v) ? v * 1000 : undefined;
}

export function formatNumber(v: number | undefined, digits = 4): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function formatCost(usd?: number): string {
  if (usd === undefined || !Number.isFinite(usd)) return '—';
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(2)}`;
}

export function parseJson(text?: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Exponential moving average with MLflow's debiasing, smoothing in [0, 1). */
export function smooth(values: number[], factor: number): number[] {
  if (factor <= 0) return values;
  let last = 0;
  let weight = 0;
  return values.map((v) => {
    last = last * factor + (1 - factor) * v;
    weight = weight * factor + (1 - factor);
    return last / weight;
  });
}

/** Line-level diff (longest common subsequence), enough for prompt templates. */
export function diffLines(a: string, b: string): { op: ' ' | '-' | '+'; text: string }[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: { op: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ op: ' ', text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: '-', text: x[i++] });
    else out.push({ op: '+', text: y[j++] });
  }
  while (i < n) out.push({ op: '-', text: x[i++] });
  while (j < m) out.push({ op: '+', text: y[j++] });
  return out;
}

/** Renders {{var}} placeholders (MLflow's text prompt syntax) with the given values, leaving unknown ones. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g, (whole, name: string) =>
    name in vars && vars[name] !== '' ? vars[name] : whole,
  );
}

export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g)) names.add(m[1]);
  return [...names];
}

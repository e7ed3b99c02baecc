import { useState } from 'react';
import { api } from '../api';
import { Empty, ErrorBox, Loading } from '../components/common';
import { BarChart, LineChart } from '../components/charts';
import { formatCost, formatDuration, formatNumber, useAsync } from '../util';

interface Bucket {
  start_ms: number;
  traces: number;
  errors: number;
  error_rate: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  latency_ms: { p50?: number; p90?: number; p99?: number };
  scorers: Record<string, { pass: number; fail: number; pass_rate: number }>;
}
interface Overview {
  bucket_ms: number;
  total: Bucket;
  buckets: Bucket[];
  truncated: boolean;
}

const WINDOWS: [string, number, number][] = [
  ['Last 24 hours', 86400e3, 24],
  ['Last 7 days', 7 * 86400e3, 28],
  ['Last 30 days', 30 * 86400e3, 30],
];

export function OverviewPage({ experimentId }: { experimentId: string }) {
  const [window, setWindow] = useState(1);
  const [, span, buckets] = WINDOWS[window];
  const data = useAsync(() => {
    const end = Math.ceil(Date.now() / 60e3) * 60e3;
    return api.get<Overview>(`3.0/osprey/ui/experiments/${encodeURIComponent(experimentId)}/overview`, { start_time_ms: end - span, end_time_ms: end, buckets });
  }, [experimentId, window]);
  const label = (ms: number) => {
    const d = new Date(ms);
    return span <= 86400e3 ? `${String(d.getHours()).padStart(2, '0')}:00` : `${d.getMonth() + 1}/${d.getDate()}`;
  };
  return (
    <section>
      <div className="toolbar">
        <select aria-label="overview window" value={window} onChange={(e) => setWindow(Number(e.target.value))}>
          {WINDOWS.map(([l], i) => (
            <option key={l} value={i}>
              {l}
            </option>
          ))}
        </select>
      </div>
      {data.error ? (
        <ErrorBox error={data.error} onRetry={data.reload} />
      ) : !data.data ? (
        <Loading />
      ) : data.data.total.traces === 0 ? (
        <Empty title="No traces in this window" />
      ) : (
        <OverviewCharts data={data.data} label={label} />
      )}
    </section>
  );
}

function OverviewCharts({ data, label }: { data: Overview; label: (ms: number) => string }) {
  const t = data.total;
  const scorers = Object.keys(t.scorers).sort();
  const xs = (b: Bucket) => b.start_ms;
  const fmtX = (v: number) => label(v);
  const window: [number, number] = [data.buckets[0]?.start_ms ?? 0, (data.buckets[data.buckets.length - 1]?.start_ms ?? 0) + data.bucket_ms];
  return (
    <>
      {data.truncated && <div className="inline-error">Only the newest 100,000 traces of this window are counted.</div>}
      <div className="cards" data-testid="overview-totals">
        <div className="card"><span>Traces</span><strong data-testid="total-traces">{formatNumber(t.traces)}</strong></div>
        <div className="card"><span>Error rate</span><strong data-testid="error-rate">{(t.error_rate * 100).toFixed(1)}%</strong></div>
        <div className="card"><span>Latency p50 / p90 / p99</span><strong>{formatDuration(t.latency_ms.p50)} / {formatDuration(t.latency_ms.p90)} / {formatDuration(t.latency_ms.p99)}</strong></div>
        <div className="card"><span>Tokens (in / out)</span><strong>{formatNumber(t.input_tokens)} / {formatNumber(t.output_tokens)}</strong></div>
        <div className="card"><span>Cost</span><strong data-testid="total-cost">{formatCost(t.cost)}</strong></div>
      </div>
      <div className="charts">
        <BarChart title="Trace volume" bars={data.buckets.map((b) => ({ label: label(b.start_ms), value: b.traces }))} testId="overview-volume" />
        <LineChart title="Latency (ms)" xFormat={fmtX} xDomain={window} series={(['p50', 'p90', 'p99'] as const).map((p) => ({ name: p, points: data.buckets.filter((b) => b.latency_ms[p] !== undefined).map((b) => ({ x: xs(b), y: b.latency_ms[p]! })) }))} testId="overview-latency" />
        <LineChart title="Error rate" xFormat={fmtX} xDomain={window} yDomain={[0, 1]} series={[{ name: 'error rate', points: data.buckets.filter((b) => b.traces > 0).map((b) => ({ x: xs(b), y: b.error_rate })) }]} />
        <BarChart title="Tokens" bars={data.buckets.map((b) => ({ label: label(b.start_ms), value: b.input_tokens + b.output_tokens }))} />
        <BarChart title="Cost (USD)" bars={data.buckets.map((b) => ({ label: label(b.start_ms), value: b.cost }))} format={formatCost} />
        {scorers.length > 0 && (
          <LineChart title="Scorer pass rate" xFormat={fmtX} xDomain={window} yDomain={[0, 1]} testId="overview-scorers" series={scorers.map((s) => ({ name: `${s} (${(t.scorers[s].pass_rate * 100).toFixed(0)}%)`, points: data.buckets.filter((b) => b.scorers[s]).map((b) => ({ x: xs(b), y: b.scorers[s].pass_rate })) }))} />
        )}
      </div>
    </>
  );
}

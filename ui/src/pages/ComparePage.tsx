import { useMemo, useState } from 'react';
import { api, type Run } from '../api';
import { Empty, ErrorBox, Loading } from '../components/common';
import { ParallelCoordinates, ScatterPlot } from '../components/charts';
import { Link, useLocation } from '../router';
import { formatNumber, useAsync } from '../util';
import { MetricCharts } from './RunPage';

/** Rows of the parameter diff: every key any run has, with a flag when the runs disagree. */
export function paramDiff(runs: Run[]): { key: string; values: (string | undefined)[]; differs: boolean }[] {
  const keys = [...new Set(runs.flatMap((r) => r.data.params?.map((p) => p.key) ?? []))].sort();
  return keys.map((key) => {
    const values = runs.map((r) => r.data.params?.find((p) => p.key === key)?.value);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

export function ComparePage() {
  const { query } = useLocation();
  const ids = (query.get('runs') ?? '').split(',').filter(Boolean);
  const runs = useAsync(() => Promise.all(ids.map((id) => api.get<{ run: Run }>('2.0/mlflow/runs/get', { run_id: id }).then((r) => r.run))), [ids.join(',')]);
  const [onlyDiffs, setOnlyDiffs] = useState(true);
  const dims = useMemo(() => {
    if (!runs.data) return [] as string[];
    const diffs = paramDiff(runs.data).filter((d) => d.differs).map((d) => `params.${d.key}`);
    const metrics = [...new Set(runs.data.flatMap((r) => r.data.metrics?.map((m) => `metrics.${m.key}`) ?? []))].sort();
    return [...diffs, ...metrics];
  }, [runs.data]);
  const numericDims = useMemo(() => dims.filter((d) => runs.data?.every((r) => valueOf(r, d) === undefined || !Number.isNaN(Number(valueOf(r, d))))), [dims, runs.data]);
  const [xDim, setX] = useState<string>();
  const [yDim, setY] = useState<string>();
  if (ids.length < 2) return <Empty title="Pick at least two runs to compare">Select runs in a runs table and press Compare.</Empty>;
  if (runs.error) return <ErrorBox error={runs.error} onRetry={runs.reload} />;
  if (!runs.data) return <Loading />;
  const list = runs.data;
  const x = xDim ?? numericDims[0];
  const y = yDim ?? numericDims[1] ?? numericDims[0];
  const diff = paramDiff(list);
  return (
    <section>
      <div className="page-head">
        <h1>Comparing {list.length} runs</h1>
      </div>
      <h3>Parameters</h3>
      <label className="inline">
        <input type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.target.checked)} /> Only parameters that differ
      </label>
      <table className="grid" data-testid="param-diff">
        <thead>
          <tr>
            <th>Parameter</th>
            {list.map((r) => (
              <th key={r.info.run_id}>
                <Link to={`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`}>{r.info.run_name || r.info.run_id.slice(0, 8)}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {diff
            .filter((d) => !onlyDiffs || d.differs)
            .map((d) => (
              <tr key={d.key} className={d.differs ? 'differs' : ''}>
                <th>{d.key}</th>
                {d.values.map((v, i) => (
                  <td key={i}>{v ?? '—'}</td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
      <h3>Metrics</h3>
      <table className="grid" data-testid="metric-diff">
        <tbody>
          {[...new Set(list.flatMap((r) => r.data.metrics?.map((m) => m.key) ?? []))].sort().map((k) => (
            <tr key={k}>
              <th>{k}</th>
              {list.map((r) => (
                <td key={r.info.run_id}>{formatNumber(r.data.metrics?.find((m) => m.key === k)?.value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {dims.length > 0 && <ParallelCoordinates dims={dims} rows={list.map((r) => ({ label: r.info.run_name || r.info.run_id, values: Object.fromEntries(dims.map((d) => [d, valueOf(r, d)])) }))} />}
      {numericDims.length > 0 && (
        <>
          <div className="toolbar">
            <label className="inline">
              X
              <select aria-label="scatter x" value={x} onChange={(e) => setX(e.target.value)}>
                {numericDims.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
            <label className="inline">
              Y
              <select aria-label="scatter y" value={y} onChange={(e) => setY(e.target.value)}>
                {numericDims.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
          </div>
          <ScatterPlot
            xLabel={x}
            yLabel={y}
            points={list.filter((r) => valueOf(r, x) !== undefined && valueOf(r, y) !== undefined).map((r) => ({ label: r.info.run_name || r.info.run_id, x: Number(valueOf(r, x)), y: Number(valueOf(r, y)) }))}
          />
        </>
      )}
      <h3>Metric history</h3>
      <MetricCharts runs={list} />
    </section>
  );
}

function valueOf(run: Run, dim: string): string | number | undefined {
  if (dim.startsWith('params.')) return run.data.params?.find((p) => p.key === dim.slice(7))?.value;
  return run.data.metrics?.find((m) => m.key === dim.slice(8))?.value;
}

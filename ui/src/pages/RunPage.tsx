import { useMemo, useState } from "react";
import { api, artifactUrl, type Metric, type Run, type TraceInfo } from '../api';
import { Empty, ErrorBox, JsonView, KeyValueTable, Loading, StatusBadge, Tabs } from '../components/common';
import { LineChart, type Series } from '../components/charts';
import { Link, setQueryParam, useLocation } from '../router';
import { formatDuration, formatNumber, formatTime, smooth, useAsync } from '../util';

type Tab = 'overview' | 'metrics' | 'params' | 'tags' | 'artifacts' | 'datasets' | 'models' | 'traces';

export function RunPage({ runId }: { runId: string }) {
  const { query } = useLocation();
  const tab = (query.get('tab') as Tab) ?? 'overview';
  const run = useAsync(() => api.get<{ run: Run }>('2.0/mlflow/runs/get', { run_id: runId }).then((r) => r.run), [runId]);
  if (run.error) return <ErrorBox error={run.error} onRetry={run.reload} />;
  if (!run.data) return <Loading />;
  const r = run.data;
  return (
    <section>
      <div className="page-head">
        <h2 data-testid="run-name">{r.info.run_name || r.info.run_id}</h2>
        <StatusBadge status={r.info.status} />
      </div>
      <Tabs<Tab>
        tabs={[
          ['overview', 'Overview'],
          ['metrics', `Metrics (${r.data.metrics?.length ?? 0})`],
          ['params', `Parameters (${r.data.params?.length ?? 0})`],
          ['tags', 'Tags'],
          ['artifacts', 'Artifacts'],
          ['datasets', 'Datasets'],
          ['models', 'Models'],
          ['traces', 'Traces'],
        ]}
        active={tab}
        onChange={(t) => setQueryParam('tab', t === 'overview' ? undefined : t)}
      />
      {tab === 'overview' && <Overview run={r} />}
      {tab === 'metrics' && <MetricCharts runs={[r]} />}
      {tab === 'params' && <KeyValueTable empty="No parameters logged" rows={(r.data.params ?? []).map((p) => [p.key, p.value])} />}
      {tab === 'tags' && <KeyValueTable empty="No tags" rows={(r.data.tags ?? []).map((t) => [t.key, t.value])} />}
      {tab === 'artifacts' && <ArtifactBrowser runId={runId} />}
      {tab === 'datasets' && <Datasets run={r} />}
      {tab === 'models' && <LinkedModels run={r} />}
      {tab === 'traces' && <LinkedTraces run={r} />}
    </section>
  );
}

function Overview({ run }: { run: Run }) {
  const i = run.info;
  const description = run.data.tags?.find((t) => t.key === 'mlflow.note.content')?.value;
  return (
    <>
      <KeyValueTable
        empty=""
        rows={[
          ['Run ID', <span className="mono">{i.run_id}</span>],
          ['Experiment', <Link to={`/experiments/${i.experiment_id}/runs`}>{i.experiment_id}</Link>],
          ['Status', i.status],
          ['Started', formatTime(i.start_time)],
          ['Duration', i.end_time && i.start_time ? formatDuration(i.end_time - i.start_time) : '—'],
          ['User', i.user_id || '—'],
          ['Artifact URI', <span className="mono">{i.artifact_uri}</span>],
          ['Lifecycle', i.lifecycle_stage],
        ]}
      />
      {description && (
        <>
          <h3>Description</h3>
          <pre className="note">{description}</pre>
        </>
      )}
      <h3>Latest metrics</h3>
      <KeyValueTable empty="No metrics logged" rows={(run.data.metrics ?? []).map((m) => [m.key, formatNumber(m.value)])} />
    </>
  );
}

interface HistoryPoint extends Metric {
  run_id?: string;
}

/** Metric charts for one or more runs: step or relative-time axis, smoothing, log scale. */
export function MetricCharts({ runs }: { runs: Run[] }) {
  const keys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.metrics?.map((m) => m.key) ?? []))].sort(), [runs]);
  const [axis, setAxis] = useState<'step' | 'time'>('step');
  const [smoothing, setSmoothing] = useState(0);
  const [logY, setLogY] = useState(false);
  const ids = runs.map((r) => r.info.run_id);
  const histories = useAsync(async () => {
    const out: Record<string, HistoryPoint[]> = {};
    await Promise.all(
      keys.map(async (key) => {
        const res = await api.get<{ metrics?: HistoryPoint[] }>('2.0/mlflow/metrics/get-history-bulk-interval', { run_ids: ids, metric_key: key, max_results: 320 });
        out[key] = res.metrics ?? [];
      }),
    );
    return out;
  }, [keys.join('\u0000'), ids.join(',')]);
  if (keys.length === 0) return <Empty title="No metrics logged" />;
  if (histories.error) return <ErrorBox error={histories.error} onRetry={histories.reload} />;
  if (!histories.data) return <Loading />;
  const names = new Map(runs.map((r) => [r.info.run_id, r.info.run_name || r.info.run_id.slice(0, 8)]));
  const starts = new Map(runs.map((r) => [r.info.run_id, r.info.start_time ?? 0]));
  return (
    <>
      <div className="toolbar">
        <label className="inline">
          X axis
          <select aria-label="x axis" value={axis} onChange={(e) => setAxis(e.target.value as 'step' | 'time')}>
            <option value="step">Step</option>
            <option value="time">Relative time (s)</option>
          </select>
        </label>
        <label className="inline">
          Smoothing
          <input aria-label="smoothing" type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} />
          {smoothing.toFixed(2)}
        </label>
        <label className="inline">
          <input aria-label="log scale" type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> Log scale
        </label>
      </div>
      <div className="charts">
        {keys.map((key) => {
          const series: Series[] = ids
            .map((id) => {
              const points = (histories.data![key] ?? [])
                .filter((p) => (p.run_id ?? ids[0]) === id)
                .map((p) => ({ x: axis === 'step' ? Number(p.step) : (Number(p.timestamp) - (starts.get(id) ?? 0)) / 1000, y: Number(p.value) }))
                .sort((a, b) => a.x - b.x);
              const ys = smooth(points.map((p) => p.y), smoothing);
              return { name: names.get(id) ?? id, points: points.map((p, i) => ({ x: p.x, y: ys[i] })) };
            })
            .filter((s) => s.points.length > 0);
          return <LineChart key={key} title={key} series={series} logY={logY} testId={`chart-${key}`} />;
        })}
      </div>
    </>
  );
}

interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

const PREVIEW_MAX = 2 * 1024 * 1024;

function ArtifactBrowser({ runId }: { runId: string }) {
  const [dir, setDir] = useState('');
  const [file, setFile] = useState<FileInfo>();
  const listing = useAsync(() => api.get<{ files?: FileInfo[] }>('2.0/mlflow/artifacts/list', { run_id: runId, path: dir || undefined }), [runId, dir]);
  const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return (
    <div className="artifacts">
      <div className="artifact-tree" data-testid="artifact-tree">
        <div className="muted mono">/{dir}</div>
        {dir && (
          <button type="button" className="link" onClick={() => setDir(parent)}>
            ..
          </button>
        )}
        {listing.error && <ErrorBox error={listing.error} />}
        {listing.data && (listing.data.files ?? []).length === 0 && <Empty title="No artifacts" />}
        {(listing.data?.files ?? []).map((f) => (
          <button key={f.path} type="button" className={`link file${file?.path === f.path ? ' active' : ''}`} onClick={() => (f.is_dir ? setDir(f.path) : setFile(f))}>
            {f.is_dir ? '📁' : '📄'} {f.path.split('/').pop()}
          </button>
        ))}
      </div>
      <div className="artifact-preview">{file ? <Preview runId={runId} file={file} /> : <Empty title="Select a file to preview it" />}</div>
    </div>
  );
}

function Preview({ runId, file }: { runId: string; file: FileInfo }) {
  const url = artifactUrl(runId, file.path);
  const ext = file.path.split('.').pop()?.toLowerCase() ?? '';
  const image = ['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp'].includes(ext);
  const content = useAsync(async () => {
    if (image || (file.file_size ?? 0) > PREVIEW_MAX) return undefined;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Download failed: HTTP ${res.status}`);
    return res.text();
  }, [url]);
  const header = (
    <div className="preview-head">
      <strong className="mono">{file.path}</strong>
      <span className="muted">{file.file_size !== undefined ? `${formatNumber(file.file_size)} bytes` : ''}</span>
      <a href={url} download>
        Download
      </a>
    </div>
  );
  if (image) return (<>{header}<img className="preview-image" alt={file.path} src={url} /></>);
  if ((file.file_size ?? 0) > PREVIEW_MAX) return (<>{header}<Empty title="Too large to preview">Download it instead.</Empty></>);
  if (content.error) return (<>{header}<ErrorBox error={content.error} /></>);
  if (content.data === undefined) return (<>{header}<Loading /></>);
  let body;
  if (ext === 'json') {
    try {
      body = <JsonView value={JSON.parse(content.data)} />;
    } catch {
      body = <pre>{content.data}</pre>;
    }
  } else if (ext === 'csv' || ext === 'tsv') {
    body = <CsvTable text={content.data} separator={ext === 'csv' ? ',' : '\t'} />;
  } else {
    body = <pre data-testid="text-preview">{content.data}</pre>;
  }
  return (<>{header}{body}</>);
}

/** CSV with quoted fields ("a,b", "he said ""hi"""). */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function CsvTable({ text, separator }: { text: string; separator: string }) {
  const rows = parseCsv(text, separator).slice(0, 501);
  if (rows.length === 0) return <Empty title="Empty file" />;
  return (
    <table className="grid" data-testid="csv-table">
      <thead>
        <tr>{rows[0].map((h, i) => <th key={i}>{h}</th>)}</tr>
      </thead>
      <tbody>
        {rows.slice(1).map((r, i) => (
          <tr key={i}>{r.map((v, j) => <td key={j}>{v}</td>)}</tr>
        ))}
      </tbody>
    </table>
  );
}

function Datasets({ run }: { run: Run }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return <Empty title="No datasets logged for this run" />;
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Name</th>
          <th>Digest</th>
          <th>Context</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        {inputs.map((d, i) => (
          <tr key={i}>
            <td>{d.dataset.name}</td>
            <td className="mono">{d.dataset.digest}</td>
            <td>{d.tags?.find((t) => t.key === 'mlflow.data.context')?.value ?? '—'}</td>
            <td className="mono">{d.dataset.source_type}: {d.dataset.source}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LinkedModels({ run }: { run: Run }) {
  const versions = useAsync(() => api.get<{ model_versions?: { name: string; version: string; current_stage?: string; status?: string }[] }>('2.0/mlflow/model-versions/search', { filter: `run_id = '${run.info.run_id}'` }), [run.info.run_id]);
  const logged = [...(run.outputs?.model_outputs ?? []).map((m) => m.model_id), ...(run.inputs?.model_inputs ?? []).map((m) => m.model_id)];
  return (
    <>
      <h3>Registered model versions from this run</h3>
      {versions.error && <ErrorBox error={versions.error} />}
      {versions.data && (versions.data.model_versions ?? []).length === 0 && <Empty title="No registered model versions come from this run" />}
      <ul>
        {(versions.data?.model_versions ?? []).map((v) => (
          <li key={`${v.name}/${v.version}`}>
            <Link to={`/models/${encodeURIComponent(v.name)}?version=${v.version}`}>
              {v.name} v{v.version}
            </Link>{' '}
            {v.current_stage && v.current_stage !== 'None' && <span className="badge neutral">{v.current_stage}</span>}
          </li>
        ))}
      </ul>
      <h3>Logged models</h3>
      {logged.length === 0 ? <Empty title="No logged models" /> : <ul>{logged.map((id) => <li key={id} className="mono">{id}</li>)}</ul>}
    </>
  );
}

function LinkedTraces({ run }: { run: Run }) {
  const traces = useAsync(() => api.post<{ traces?: TraceInfo[] }>('3.0/mlflow/traces/search', { locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: run.info.experiment_id } }], filter: `attributes.run_id = '${run.info.run_id}'`, max_results: 100 }), [run.info.run_id]);
  if (traces.error) return <ErrorBox error={traces.error} />;
  if (!traces.data) return <Loading />;
  const list = traces.data.traces ?? [];
  if (list.length === 0) return <Empty title="No traces are linked to this run" />;
  return (
    <ul data-testid="run-traces">
      {list.map((t) => (
        <li key={t.trace_id}>
          <Link to={`/experiments/${run.info.experiment_id}/traces/${t.trace_id}`}>{t.trace_id}</Link> <span className="muted">{formatTime(t.request_time)}</span>
        </li>
      ))}
    </ul>
  );
}


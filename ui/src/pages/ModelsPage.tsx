import { useState } from 'react';
import { api, type KeyValue } from '../api';
import { Empty, ErrorBox, KeyValueTable, Loading, StatusBadge } from '../components/common';
import { Link, setQueryParam, useLocation } from '../router';
import { formatTime, quote, useAsync, usePages } from '../util';

interface RegisteredModel {
  name: string;
  description?: string;
  last_updated_timestamp?: number;
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
  latest_versions?: { version: string; current_stage?: string }[];
}

interface Version {
  name: string;
  version: string;
  creation_timestamp?: number;
  current_stage?: string;
  status?: string;
  source?: string;
  run_id?: string;
  model_id?: string;
  description?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

export function ModelsPage() {
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const filter = search ? `name ILIKE ${quote(`%${search}%`)}` : '';
  const first = usePages(
    (token) =>
      api
        .get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>('2.0/mlflow/registered-models/search', { filter, max_results: 100, order_by: ['name ASC'], page_token: token })
        .then((r) => ({ items: r.registered_models ?? [], next: r.next_page_token })),
    [filter],
  );
  const models = first.items;
  return (
    <section>
      <div className="page-head">
        <h1>Registered models</h1>
        <form onSubmit={(e) => { e.preventDefault(); setSearch(draft.trim()); }}>
          <input data-search aria-label="search models" placeholder="Search models ( / )" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </form>
      </div>
      {first.error ? (
        <ErrorBox error={first.error} onRetry={first.reload} />
      ) : first.loading && models.length === 0 ? (
        <Loading />
      ) : models.length === 0 ? (
        <Empty title={search ? 'No model matches' : 'No registered models yet'}>{!search && 'Register one with mlflow.register_model or client.registry().'}</Empty>
      ) : (
        <table className="grid" data-testid="models">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest versions</th>
              <th>Aliases</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.name}>
                <td>
                  <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                </td>
                <td>{(m.latest_versions ?? []).map((v) => <span key={v.version} className="chip neutral">v{v.version} {v.current_stage !== 'None' ? v.current_stage : ''}</span>)}</td>
                <td>{(m.aliases ?? []).map((a) => <span key={a.alias} className="chip neutral">@{a.alias} → v{a.version}</span>)}</td>
                <td>{formatTime(m.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {first.hasMore && <button type="button" className="more" onClick={first.more}>Load more</button>}
    </section>
  );
}

export function ModelPage({ name }: { name: string }) {
  const { query } = useLocation();
  const data = useAsync(async () => {
    const [model, versions] = await Promise.all([
      api.get<{ registered_model: RegisteredModel }>('2.0/mlflow/registered-models/get', { name }),
      api.get<{ model_versions?: Version[] }>('2.0/mlflow/model-versions/search', { filter: `name = ${quote(name)}`, max_results: 1000 }),
    ]);
    return { model: model.registered_model, versions: (versions.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version)) };
  }, [name]);
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<Error>();
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const { model, versions } = data.data;
  const open = versions.find((v) => v.version === query.get('version'));
  const act = async (work: () => Promise<unknown>) => {
    try {
      setError(undefined);
      await work();
      data.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <section>
      <div className="page-head">
        <div className="crumbs">
          <Link to="/models">Models</Link> / <h1>{name}</h1>
        </div>
      </div>
      {model.description && <p>{model.description}</p>}
      {error && <ErrorBox error={error} />}
      <h3>Aliases</h3>
      <div data-testid="aliases">
        {(model.aliases ?? []).length === 0 && <span className="muted">No aliases</span>}
        {(model.aliases ?? []).map((a) => (
          <span key={a.alias} className="chip neutral">
            @{a.alias} → v{a.version}{' '}
            <button type="button" className="link" aria-label={`remove alias ${a.alias}`} onClick={() => act(() => api.del(`2.0/mlflow/registered-models/alias`, { name, alias: a.alias }))}>
              ×
            </button>
          </span>
        ))}
      </div>
      <h3>Versions</h3>
      <table className="grid" data-testid="model-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Registered</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Source run</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} className={open?.version === v.version ? 'selected' : ''}>
              <td>
                <a href="#" onClick={(e) => { e.preventDefault(); setQueryParam('version', v.version); }}>
                  Version {v.version}
                </a>
              </td>
              <td>{formatTime(v.creation_timestamp)}</td>
              <td>
                <select aria-label={`stage of version ${v.version}`} value={v.current_stage ?? 'None'} onChange={(e) => act(() => api.post('2.0/mlflow/model-versions/transition-stage', { name, version: v.version, stage: e.target.value, archive_existing_versions: false }))}>
                  {STAGES.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </td>
              <td>{(v.aliases ?? []).map((a) => <span key={a} className="chip neutral">@{a}</span>)}</td>
              <td>{v.run_id ? <Link to={`/runs/${v.run_id}`}>{v.run_id.slice(0, 12)}</Link> : '—'}</td>
              <td><StatusBadge status={v.status ?? 'READY'} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && (
        <>
          <h3>Version {open.version}</h3>
          <KeyValueTable
            empty=""
            rows={[
              ['Source', <span className="mono">{open.source}</span>],
              ['Run (lineage)', open.run_id ? <Link to={`/runs/${open.run_id}`}>{open.run_id}</Link> : '—'],
              ['Logged model', open.model_id ?? '—'],
              ['Description', open.description || '—'],
              ...(open.tags ?? []).map((t): [string, string] => [`tag: ${t.key}`, t.value]),
            ]}
          />
          <form className="toolbar" onSubmit={(e) => { e.preventDefault(); act(() => api.post('2.0/mlflow/registered-models/alias', { name, alias: alias.trim(), version: open.version })).then(() => setAlias('')); }}>
            <input aria-label="new alias" placeholder="alias, e.g. champion" value={alias} onChange={(e) => setAlias(e.target.value)} required />
            <button type="submit" className="primary">Set alias on version {open.version}</button>
          </form>
        </>
      )}
    </section>
  );
}

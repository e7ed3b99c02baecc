import { useState } from 'react';
import { api } from '../api';
import { Empty, ErrorBox, Loading, Tabs } from '../components/common';
import { BarChart } from '../components/charts';
import { setQueryParam, useLocation } from '../router';
import { formatCost, formatNumber, formatTime, useAsync } from '../util';

interface Endpoint {
  endpoint_id: string;
  name: string;
  routing_strategy?: string;
  created_at?: number;
  model_mappings?: { mapping_id: string; weight?: number; linkage_type?: string; fallback_order?: number; model_definition?: { name: string; provider: string; model_name: string; secret_name?: string } }[];
  fallback_config?: { strategy: string; max_attempts: number };
  limits?: Record<string, unknown>;
}
interface Secret {
  secret_id: string;
  secret_name: string;
  provider?: string;
  masked_values?: Record<string, string>;
  created_at?: number;
}
interface Usage {
  key: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost: number;
  avg_latency_ms: number;
}

type Tab = 'endpoints' | 'secrets' | 'usage';
const G = '3.0/mlflow/gateway';

export function GatewayPage() {
  const { query } = useLocation();
  const tab = (query.get('tab') as Tab) ?? 'endpoints';
  return (
    <section>
      <div className="page-head">
        <h1>AI gateway</h1>
      </div>
      <Tabs<Tab> tabs={[['endpoints', 'Endpoints'], ['secrets', 'Providers & secrets'], ['usage', 'Usage & cost']]} active={tab} onChange={(t) => setQueryParam('tab', t === 'endpoints' ? undefined : t)} />
      {tab === 'endpoints' && <Endpoints />}
      {tab === 'secrets' && <Secrets />}
      {tab === 'usage' && <UsageCharts />}
    </section>
  );
}

function Endpoints() {
  const list = useAsync(() => api.get<{ endpoints?: Endpoint[] }>(`${G}/endpoints/list`).then((r) => r.endpoints ?? []), []);
  if (list.error) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading />;
  if (list.data.length === 0) return <Empty title="No gateway endpoints">Create a secret and a model definition, then an endpoint (API or a --gateway-config file).</Empty>;
  return (
    <table className="grid" data-testid="gateway-endpoints">
      <thead>
        <tr>
          <th>Endpoint</th>
          <th>Routing</th>
          <th>Models (provider / model / weight)</th>
          <th>Fallback</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {list.data.map((e) => (
          <tr key={e.endpoint_id}>
            <td>
              <strong>{e.name}</strong>
              <div className="muted mono">/gateway/{e.name}/mlflow/invocations</div>
            </td>
            <td>{e.routing_strategy ?? '—'}</td>
            <td>
              {(e.model_mappings ?? []).map((m) => (
                <div key={m.mapping_id}>
                  <span className="chip neutral">{m.model_definition?.provider ?? '?'}</span> {m.model_definition?.model_name ?? '(deleted model definition)'}
                  {m.weight !== undefined && <span className="muted"> · weight {m.weight}</span>}
                  {m.linkage_type === 'FALLBACK' && <span className="muted"> · fallback #{m.fallback_order}</span>}
                </div>
              ))}
            </td>
            <td>{e.fallback_config ? `${e.fallback_config.strategy} ×${e.fallback_config.max_attempts}` : '—'}</td>
            <td>{formatTime(e.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Secrets() {
  const secrets = useAsync(() => api.get<{ secrets?: Secret[] }>(`${G}/secrets/list`).then((r) => r.secrets ?? []), []);
  const providers = useAsync(() => api.get<{ providers?: string[] }>(`${G}/supported-providers`).then((r) => r.providers ?? []), []);
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('openai');
  const [key, setKey] = useState('');
  const [error, setError] = useState<Error>();
  const create = async () => {
    try {
      setError(undefined);
      await api.post(`${G}/secrets/create`, { secret_name: name.trim(), provider, secret_value: { api_key: key } });
      setName('');
      setKey('');
      secrets.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      // The key is never kept in the page once sent.
      setKey('');
    }
  };
  return (
    <>
      <h3>Supported providers</h3>
      <div>{(providers.data ?? []).map((p) => <span key={p} className="chip neutral">{p}</span>)}</div>
      <h3>Secrets</h3>
      <p className="muted">Secret values are write-only: the server seals them with its key-encryption key and only ever shows masked values.</p>
      {secrets.error && <ErrorBox error={secrets.error} onRetry={secrets.reload} />}
      {secrets.data && secrets.data.length === 0 && <Empty title="No secrets stored" />}
      {secrets.data && secrets.data.length > 0 && (
        <table className="grid" data-testid="gateway-secrets">
          <thead>
            <tr>
              <th>Name</th>
              <th>Provider</th>
              <th>Value</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {secrets.data.map((s) => (
              <tr key={s.secret_id}>
                <td>{s.secret_name}</td>
                <td>{s.provider ?? '—'}</td>
                <td className="mono">{Object.entries(s.masked_values ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ')}</td>
                <td>{formatTime(s.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="toolbar" onSubmit={(e) => { e.preventDefault(); create(); }} autoComplete="off">
        <input aria-label="secret name" placeholder="Secret name" value={name} onChange={(e) => setName(e.target.value)} required />
        <select aria-label="provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
          {(providers.data ?? ['openai']).map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <input aria-label="api key" type="password" placeholder="API key" value={key} onChange={(e) => setKey(e.target.value)} required autoComplete="new-password" />
        <button type="submit" className="primary">
          Store secret
        </button>
      </form>
      {error && <ErrorBox error={error} />}
    </>
  );
}

const DAY = 86400e3;

function UsageCharts() {
  const [days, setDays] = useState(30);
  const end = Math.ceil(Date.now() / 60e3) * 60e3;
  const start = end - days * DAY;
  const usage = useAsync(
    () =>
      Promise.all([
        api.get<{ usage?: Usage[] }>(`${G}/usage`, { group_by: 'day', start_time: start, end_time: end }),
        api.get<{ usage?: Usage[] }>(`${G}/usage`, { group_by: 'endpoint', start_time: start, end_time: end }),
        api.get<{ usage?: Usage[] }>(`${G}/usage`, { group_by: 'model', start_time: start, end_time: end }),
      ]).then(([d, e, m]) => ({ byDay: (d.usage ?? []).sort((a, b) => a.key.localeCompare(b.key)), byEndpoint: e.usage ?? [], byModel: m.usage ?? [] })),
    [days],
  );
  if (usage.error) return <ErrorBox error={usage.error} onRetry={usage.reload} />;
  if (!usage.data) return <Loading />;
  const { byDay, byEndpoint, byModel } = usage.data;
  return (
    <>
      <div className="toolbar">
        <select aria-label="usage window" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={1}>Last day</option>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
          <option value={90}>Last 90 days</option>
        </select>
      </div>
      {byDay.length === 0 ? (
        <Empty title="No gateway traffic in this window" />
      ) : (
        <div className="charts">
          <BarChart title="Requests per day" bars={byDay.map((u) => ({ label: u.key, value: u.requests }))} testId="usage-requests" />
          <BarChart title="Tokens per day" bars={byDay.map((u) => ({ label: u.key, value: u.total_tokens }))} />
          <BarChart title="Cost per day (USD)" bars={byDay.map((u) => ({ label: u.key, value: u.cost }))} format={formatCost} />
        </div>
      )}
      {[['Endpoint', byEndpoint] as const, ['Model', byModel] as const].map(([label, rows]) =>
        rows.length === 0 ? null : (
          <table key={label} className="grid" data-testid={`usage-by-${label.toLowerCase()}`}>
            <thead>
              <tr>
                <th>{label}</th>
                <th>Requests</th>
                <th>Errors</th>
                <th>Input tokens</th>
                <th>Output tokens</th>
                <th>Cost</th>
                <th>Avg latency</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.key}>
                  <td>{u.key}</td>
                  <td>{formatNumber(u.requests)}</td>
                  <td>{formatNumber(u.errors)}</td>
                  <td>{formatNumber(u.input_tokens)}</td>
                  <td>{formatNumber(u.output_tokens)}</td>
                  <td>{formatCost(u.cost)}</td>
                  <td>{formatNumber(u.avg_latency_ms, 3)} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        ),
      )}
    </>
  );
}

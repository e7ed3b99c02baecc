import { useMemo, useState } from 'react';
import { api, tagValue, type KeyValue } from '../api';
import { Empty, ErrorBox, Loading } from '../components/common';
import { Link, setQueryParam, useLocation } from '../router';
import { diffLines, formatTime, parseJson, quote, renderTemplate, templateVariables, useAsync } from '../util';

const IS_PROMPT = "tags.`mlflow.prompt.is_prompt` = 'true'";

interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
  latest_versions?: { version: string }[];
}

interface Version {
  name: string;
  version: string;
  creation_timestamp?: number;
  description?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

/** A prompt version's template as text: text prompts as stored, chat prompts one "role: content" block each. */
export function promptText(v: Version): string {
  const raw = tagValue(v.tags, 'mlflow.prompt.text') ?? '';
  if (tagValue(v.tags, '_mlflow_prompt_type') === 'chat' || raw.trim().startsWith('[')) {
    const messages = parseJson(raw);
    if (Array.isArray(messages)) return messages.map((m: { role?: string; content?: unknown }) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`).join('\n\n');
  }
  return raw;
}

export function PromptsPage() {
  const [search, setSearch] = useState('');
  const list = useAsync(
    () =>
      api
        .get<{ registered_models?: RegisteredModel[] }>('2.0/mlflow/registered-models/search', {
          filter: search ? `${IS_PROMPT} AND name ILIKE ${quote(`%${search}%`)}` : IS_PROMPT,
          max_results: 1000,
        })
        .then((r) => r.registered_models ?? []),
    [search],
  );
  const [draft, setDraft] = useState('');
  return (
    <section>
      <div className="page-head">
        <h1>Prompts</h1>
        <form onSubmit={(e) => { e.preventDefault(); setSearch(draft.trim()); }}>
          <input data-search aria-label="search prompts" placeholder="Search prompts ( / )" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </form>
      </div>
      {list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <Empty title={search ? 'No prompt matches' : 'No prompts yet'}>{!search && 'Register one with mlflow.genai.register_prompt or client.prompts().register(...).'}</Empty>
      ) : (
        <table className="grid" data-testid="prompts">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest version</th>
              <th>Aliases</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link to={`/prompts/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                </td>
                <td>{p.latest_versions?.[0]?.version ?? '—'}</td>
                <td>{(p.aliases ?? []).map((a) => <span key={a.alias} className="chip neutral">@{a.alias} → v{a.version}</span>)}</td>
                <td>{formatTime(p.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function PromptPage({ name }: { name: string }) {
  const { query } = useLocation();
  const data = useAsync(async () => {
    const [model, versions] = await Promise.all([
      api.get<{ registered_model: RegisteredModel }>('2.0/mlflow/registered-models/get', { name }),
      api.get<{ model_versions?: Version[] }>('2.0/mlflow/model-versions/search', { filter: `name = ${quote(name)} AND ${IS_PROMPT}`, max_results: 1000 }),
    ]);
    const list = (versions.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version));
    return { model: model.registered_model, versions: list };
  }, [name]);
  const [vars, setVars] = useState<Record<string, string>>({});
  const versions = data.data?.versions ?? [];
  const selected = versions.find((v) => v.version === query.get('version')) ?? versions[0];
  const compareTo = versions.find((v) => v.version === query.get('diff'));
  const text = selected ? promptText(selected) : '';
  const variables = useMemo(() => templateVariables(text), [text]);
  if (data.error) return <ErrorBox error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading />;
  const aliases = data.data.model.aliases ?? [];
  return (
    <section>
      <div className="page-head">
        <div className="crumbs">
          <Link to="/prompts">Prompts</Link> / <h1>{name}</h1>
        </div>
      </div>
      {data.data.model.description && <p>{data.data.model.description}</p>}
      <div className="split">
        <div className="side">
          <h3>Versions</h3>
          <ul className="versions" data-testid="prompt-versions">
            {versions.map((v) => (
              <li key={v.version} className={v.version === selected?.version ? 'active' : ''}>
                <a href="#" onClick={(e) => { e.preventDefault(); setQueryParam('version', v.version); }}>
                  Version {v.version}
                </a>{' '}
                {aliases.filter((a) => a.version === v.version).map((a) => <span key={a.alias} className="chip neutral">@{a.alias}</span>)}
                <div className="muted">{formatTime(v.creation_timestamp)}</div>
                {tagValue(v.tags, 'mlflow.prompt.commit_message') && <div className="muted">{tagValue(v.tags, 'mlflow.prompt.commit_message')}</div>}
              </li>
            ))}
          </ul>
        </div>
        <div className="main">
          {selected && (
            <>
              <div className="toolbar">
                <strong>Version {selected.version}</strong>
                <label className="inline">
                  Diff against
                  <select aria-label="diff against" value={compareTo?.version ?? ''} onChange={(e) => setQueryParam('diff', e.target.value)}>
                    <option value="">—</option>
                    {versions.filter((v) => v.version !== selected.version).map((v) => (
                      <option key={v.version} value={v.version}>
                        Version {v.version}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              {compareTo ? (
                <pre className="diff" data-testid="prompt-diff">
                  {diffLines(promptText(compareTo), text).map((l, i) => (
                    <div key={i} className={l.op === '+' ? 'added' : l.op === '-' ? 'removed' : ''}>
                      {l.op} {l.text}
                    </div>
                  ))}
                </pre>
              ) : (
                <pre className="template" data-testid="prompt-template">{text}</pre>
              )}
              <h3>Preview</h3>
              {variables.length === 0 ? (
                <Empty title="This template has no {{variables}}" />
              ) : (
                <>
                  <div className="vars">
                    {variables.map((v) => (
                      <label key={v}>
                        {v}
                        <input aria-label={`variable ${v}`} value={vars[v] ?? ''} onChange={(e) => setVars({ ...vars, [v]: e.target.value })} />
                      </label>
                    ))}
                  </div>
                  <pre className="rendered" data-testid="prompt-rendered">{renderTemplate(text, vars)}</pre>
                </>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}

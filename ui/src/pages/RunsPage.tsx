import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, type Run } from '../api';
import { Empty, ErrorBox, Loading, StatusBadge } from '../components/common';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { Link, navigate, setQueryParam, useLocation } from '../router';
import { formatDuration, formatNumber, formatTime, usePages } from '../util';

interface SearchPage {
  runs?: Run[];
  next_page_token?: string;
}

const PAGE = 1000;

/** "metrics.rmse" -> the value shown in that column for a run. */
export function columnValue(run: Run, column: string): string | number | undefined {
  const dot = column.indexOf('.');
  const kind = column.slice(0, dot);
  const key = column.slice(dot + 1);
  if (kind === 'metrics') return run.data.metrics?.find((m) => m.key === key)?.value;
  if (kind === 'params') return run.data.params?.find((p) => p.key === key)?.value;
  if (kind === 'tags') return run.data.tags?.find((t) => t.key === key)?.value;
  return undefined;
}

/** The order_by clause for a column id, quoting keys that are not plain identifiers. */
export function orderClause(column: string, asc: boolean): string {
  const dot = column.indexOf('.');
  const kind = column.slice(0, dot);
  const key = column.slice(dot + 1);
  const quoted = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `\`${key}\``;
  return `${kind}.${quoted} ${asc ? 'ASC' : 'DESC'}`;
}

export function RunsPage({ experimentIds }: { experimentIds?: string[] }) {
  const { query } = useLocation();
  const ids = useMemo(() => experimentIds ?? (query.get('experiments') ?? '').split(',').filter(Boolean), [experimentIds, query]);
  const filter = query.get('filter') ?? '';
  const sortParam = query.get('sort') ?? 'attributes.start_time:desc';
  const [sortCol, sortDir] = sortParam.split(':');
  const deleted = query.get('view') === 'deleted';
  const [draft, setDraft] = useState(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [chooser, setChooser] = useState(false);
  const [actionError, setActionError] = useState<Error>();

  const request = useCallback(
    (pageToken?: string) =>
      api.post<SearchPage>('2.0/mlflow/runs/search', {
        experiment_ids: ids,
        filter,
        order_by: [orderClause(sortCol, sortDir === 'asc')],
        max_results: PAGE,
        run_view_type: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY',
        page_token: pageToken,
      }),
    [ids, filter, sortCol, sortDir, deleted],
  );
  const first = usePages((token) => request(token).then((p) => ({ items: p.runs ?? [], next: p.next_page_token })), [request]);
  const runs = first.items;
  useEffect(() => setSelected(new Set()), [request]);

  const available = useMemo(() => {
    const keys = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
    for (const r of runs.slice(0, 2000)) {
      r.data.metrics?.forEach((m) => keys.metrics.add(m.key));
      r.data.params?.forEach((p) => keys.params.add(p.key));
      r.data.tags?.forEach((t) => !t.key.startsWith('mlflow.') && keys.tags.add(t.key));
    }
    return keys;
  }, [runs]);
  const chosen = query.get('cols') !== null
    ? (query.get('cols') ?? '').split(',').filter(Boolean)
    : [...[...available.metrics].slice(0, 4).map((k) => `metrics.${k}`), ...[...available.params].slice(0, 4).map((k) => `params.${k}`)];
  const setChosen = (cols: string[]) => setQueryParam('cols', cols.join(','));

  const columns: Column<Run>[] = [
    {
      id: 'name',
      header: 'Run',
      width: 220,
      sortKey: 'attributes.run_name',
      render: (r) => <Link to={`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`}>{r.info.run_name || r.info.run_id}</Link>,
    },
    { id: 'status', header: 'Status', width: 100, render: (r) => <StatusBadge status={r.info.status} /> },
    { id: 'start', header: 'Created', width: 160, sortKey: 'attributes.start_time', render: (r) => formatTime(r.info.start_time) },
    { id: 'duration', header: 'Duration', width: 90, render: (r) => (r.info.end_time && r.info.start_time ? formatDuration(r.info.end_time - r.info.start_time) : '—') },
    ...(ids.length > 1 ? [{ id: 'exp', header: 'Experiment', width: 90, render: (r: Run) => r.info.experiment_id }] : []),
    ...chosen.map((c) => ({
      id: c,
      header: <span title={c}>{c.replace(/^(metrics|params|tags)\./, '')}</span>,
      width: 120,
      sortKey: c,
      render: (r: Run) => {
        const v = columnValue(r, c);
        return typeof v === 'number' ? formatNumber(v) : (v ?? '—');
      },
    })),
  ];

  const toggle = (key: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const bulkDelete = async () => {
    if (!window.confirm(`Delete ${selected.size} run(s)? They can be restored until garbage-collected.`)) return;
    try {
      setActionError(undefined);
      for (const id of selected) await api.post('2.0/mlflow/runs/delete', { run_id: id });
      setSelected(new Set());
      first.reload();
    } catch (e) {
      setActionError(e as Error);
    }
  };
  const filterError = first.error instanceof ApiError && first.error.status === 400 ? first.error : undefined;

  return (
    <section>
      <div className="toolbar">
        <form
          className="grow"
          onSubmit={(e) => {
            e.preventDefault();
            setQueryParam('filter', draft.trim());
          }}
        >
          <input
            data-search
            aria-label="filter runs"
            aria-invalid={filterError ? true : undefined}
            className={filterError ? 'invalid' : ''}
            placeholder="metrics.rmse < 1 and params.model = 'tree'   ( / to focus, Enter to search)"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </form>
        <label className="inline">
          <input type="checkbox" checked={deleted} onChange={(e) => setQueryParam('view', e.target.checked ? 'deleted' : undefined)} /> Deleted
        </label>
        <button type="button" onClick={() => setChooser(!chooser)} aria-expanded={chooser}>
          Columns
        </button>
        <button type="button" disabled={selected.size < 2} onClick={() => navigate(`/compare-runs?runs=${[...selected].join(',')}`)}>
          Compare ({selected.size})
        </button>
        <button type="button" className="danger" disabled={selected.size === 0 || deleted} onClick={bulkDelete}>
          Delete
        </button>
      </div>
      {filterError && (
        <div className="inline-error" role="alert" data-testid="filter-error">
          {filterError.message}
        </div>
      )}
      {chooser && <ColumnChooser available={available} chosen={chosen} onChange={setChosen} />}
      {(actionError ?? first.moreError) && <ErrorBox error={(actionError ?? first.moreError)!} />}
      {first.error && !filterError ? (
        <ErrorBox error={first.error} onRetry={first.reload} />
      ) : first.loading && runs.length === 0 ? (
        <Loading />
      ) : runs.length === 0 && !filterError ? (
        <Empty title={filter ? 'No run matches this filter' : 'No runs in this experiment yet'}>{!filter && 'Log one with mlflow.start_run() or the Osprey SDK.'}</Empty>
      ) : (
        runs.length > 0 && (
          <>
            <div className="muted count" data-testid="run-count">
              {runs.length.toLocaleString('en-US')} run{runs.length === 1 ? '' : 's'} loaded{first.hasMore ? ' — scroll for more' : ''}
            </div>
            <VirtualTable
              label="runs"
              rows={runs}
              columns={columns}
              rowKey={(r) => r.info.run_id}
              selected={selected}
              onToggle={toggle}
              onToggleAll={() => setSelected(selected.size === runs.length ? new Set() : new Set(runs.map((r) => r.info.run_id)))}
              onOpen={(r) => navigate(`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`)}
              onEndReached={first.more}
              sort={{ key: sortCol, asc: sortDir === 'asc' }}
              onSort={(key) => setQueryParam('sort', `${key}:${key === sortCol && sortDir === 'desc' ? 'asc' : 'desc'}`)}
            />
          </>
        )
      )}
    </section>
  );
}

function ColumnChooser({ available, chosen, onChange }: { available: Record<'metrics' | 'params' | 'tags', Set<string>>; chosen: string[]; onChange: (c: string[]) => void }) {
  return (
    <div className="chooser" data-testid="column-chooser">
      {(['metrics', 'params', 'tags'] as const).map((kind) => (
        <fieldset key={kind}>
          <legend>{kind}</legend>
          {[...available[kind]].sort().map((k) => {
            const id = `${kind}.${k}`;
            return (
              <label key={id} className="inline">
                <input type="checkbox" checked={chosen.includes(id)} onChange={(e) => onChange(e.target.checked ? [...chosen, id] : chosen.filter((c) => c !== id))} /> {k}
              </label>
            );
          })}
          {available[kind].size === 0 && <span className="muted">none</span>}
        </fieldset>
      ))}
    </div>
  );
}

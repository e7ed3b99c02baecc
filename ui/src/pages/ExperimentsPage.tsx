import { useState } from 'react';
import { api, ApiError, type Experiment } from '../api';
import { Empty, ErrorBox, Loading, Modal } from '../components/common';
import { Link, navigate, setQueryParam, useLocation } from '../router';
import { formatTime, quote, usePages } from '../util';

interface Page {
  experiments?: Experiment[];
  next_page_token?: string;
}

/** Free text searches names; text with an operator is passed through as MLflow's filter grammar. */
export function experimentFilter(text: string): string {
  const t = text.trim();
  if (!t) return '';
  if (/(=|<|>|\bLIKE\b|\bILIKE\b)/i.test(t)) return t;
  return `name ILIKE ${quote(`%${t}%`)}`;
}

export function ExperimentsPage() {
  const { query } = useLocation();
  const search = query.get('q') ?? '';
  const view = query.get('view') === 'deleted' ? 'DELETED_ONLY' : 'ACTIVE_ONLY';
  const [draft, setDraft] = useState(search);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rename'; exp: Experiment } | undefined>();
  const [actionError, setActionError] = useState<Error>();
  const first = usePages(
    (token) =>
      api
        .post<Page>('2.0/mlflow/experiments/search', { max_results: 100, filter: experimentFilter(search), view_type: view, order_by: ['last_update_time DESC'], page_token: token })
        .then((p) => ({ items: p.experiments ?? [], next: p.next_page_token })),
    [search, view],
  );
  const act = async (work: () => Promise<unknown>) => {
    try {
      setActionError(undefined);
      await work();
      first.reload();
    } catch (e) {
      setActionError(e as Error);
    }
  };
  const experiments = first.items;
  return (
    <section>
      <div className="page-head">
        <h1>Experiments</h1>
        <div className="toolbar">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setQueryParam('q', draft);
            }}
          >
            <input data-search aria-label="search experiments" placeholder="Search by name, or a filter like tags.team = 'nlp'  ( / )" value={draft} onChange={(e) => setDraft(e.target.value)} />
          </form>
          <label className="inline">
            <input type="checkbox" checked={view === 'DELETED_ONLY'} onChange={(e) => setQueryParam('view', e.target.checked ? 'deleted' : undefined)} /> Show deleted
          </label>
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
            New experiment
          </button>
        </div>
      </div>
      {actionError && <ErrorBox error={actionError} />}
      {first.error ? (
        <ErrorBox error={first.error} onRetry={first.reload} />
      ) : first.loading && experiments.length === 0 ? (
        <Loading />
      ) : experiments.length === 0 ? (
        <Empty title={search ? 'No experiment matches this search' : view === 'DELETED_ONLY' ? 'No deleted experiments' : 'No experiments yet'}>
          {!search && view !== 'DELETED_ONLY' && 'Create one here, or log a run with any MLflow client.'}
        </Empty>
      ) : (
        <table className="grid" data-testid="experiments">
          <thead>
            <tr>
              <th>Name</th>
              <th>ID</th>
              <th>Created</th>
              <th>Last modified</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {experiments.map((e) => (
              <tr key={e.experiment_id}>
                <td>
                  <Link to={`/experiments/${e.experiment_id}/runs`}>{e.name}</Link>
                </td>
                <td className="mono">{e.experiment_id}</td>
                <td>{formatTime(e.creation_time)}</td>
                <td>{formatTime(e.last_update_time)}</td>
                <td className="actions">
                  {e.lifecycle_stage === 'deleted' ? (
                    <button type="button" onClick={() => act(() => api.post('2.0/mlflow/experiments/restore', { experiment_id: e.experiment_id }))}>
                      Restore
                    </button>
                  ) : (
                    <>
                      <button type="button" onClick={() => setDialog({ kind: 'rename', exp: e })}>
                        Rename
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => window.confirm(`Delete experiment "${e.name}"? It can be restored until it is garbage-collected.`) && act(() => api.post('2.0/mlflow/experiments/delete', { experiment_id: e.experiment_id }))}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {first.hasMore && (
        <button type="button" className="more" onClick={first.more}>
          Load more
        </button>
      )}
      {dialog && (
        <NameDialog
          title={dialog.kind === 'create' ? 'New experiment' : `Rename "${dialog.exp.name}"`}
          initial={dialog.kind === 'rename' ? dialog.exp.name : ''}
          withLocation={dialog.kind === 'create'}
          onClose={() => setDialog(undefined)}
          onSubmit={async (name, location) => {
            if (dialog.kind === 'create') {
              const res = await api.post<{ experiment_id: string }>('2.0/mlflow/experiments/create', { name, artifact_location: location || undefined });
              navigate(`/experiments/${res.experiment_id}/runs`);
            } else {
              await api.post('2.0/mlflow/experiments/update', { experiment_id: dialog.exp.experiment_id, new_name: name });
              first.reload();
            }
            setDialog(undefined);
          }}
        />
      )}
    </section>
  );
}

function NameDialog({ title, initial, withLocation, onClose, onSubmit }: { title: string; initial: string; withLocation: boolean; onClose: () => void; onSubmit: (name: string, location: string) => Promise<void> }) {
  const [name, setName] = useState(initial);
  const [location, setLocation] = useState('');
  const [error, setError] = useState<Error>();
  return (
    <Modal title={title} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await onSubmit(name.trim(), location.trim());
          } catch (err) {
            setError(err as ApiError);
          }
        }}
      >
        <label>
          Name
          <input autoFocus aria-label="experiment name" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        {withLocation && (
          <label>
            Artifact location (optional)
            <input aria-label="artifact location" value={location} onChange={(e) => setLocation(e.target.value)} placeholder="default: the server's artifact root" />
          </label>
        )}
        {error && <ErrorBox error={error} />}
        <div className="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

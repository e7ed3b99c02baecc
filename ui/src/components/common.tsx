import { useState, type ReactNode } from 'react';
import { ApiError } from '../api';

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="error-box" role="alert">
      <strong>{code === 'RESOURCE_DOES_NOT_EXIST' ? 'Not found' : 'Something went wrong'}</strong>
      <span>{error.message}</span>
      {code && <code>{code}</code>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function Loading() {
  return (
    <div className="loading" aria-busy="true">
      Loading…
    </div>
  );
}

export function Tabs<T extends string>({ tabs, active, onChange }: { tabs: [T, string][]; active: T; onChange: (t: T) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} type="button" role="tab" aria-selected={active === id} className={active === id ? 'active' : ''} onClick={() => onChange(id)}>
          {label}
        </button>
      ))}
    </div>
  );
}

/** JSON pretty-printed and collapsible; plain strings shown as text. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  const [open, setOpen] = useState(true);
  if (value === undefined || value === null) return <span className="muted">—</span>;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <div className="json-view">
      {label && (
        <button type="button" className="link" onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} {label}
        </button>
      )}
      {open && <pre>{text}</pre>}
    </div>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="modal-backdrop" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        {children}
      </div>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const kind = /OK|FINISHED|READY|ACTIVE|SUCCEEDED|SUCCESS|COMPLETED/.test(status)
    ? 'ok'
    : /ERROR|FAILED|KILLED|FAILURE/.test(status)
      ? 'bad'
      : 'neutral';
  return <span className={`badge ${kind}`}>{status}</span>;
}

export function KeyValueTable({ rows, empty }: { rows: [string, ReactNode][]; empty: string }) {
  if (rows.length === 0) return <Empty title={empty} />;
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

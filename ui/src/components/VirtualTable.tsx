import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface Column<T> {
  id: string;
  header: ReactNode;
  width: number;
  render: (row: T) => ReactNode;
  sortKey?: string;
}

const ROW = 32;
const OVERSCAN = 10;

/**
 * A table that renders only the rows in view, so 100,000 rows scroll as smoothly as 100. Keyboard: arrows move the
 * cursor, Enter opens, Space toggles selection. Asks for more rows when the end comes into view.
 */
export function VirtualTable<T>({
  rows,
  columns,
  rowKey,
  height = 560,
  selected,
  onToggle,
  onToggleAll,
  onOpen,
  onEndReached,
  sort,
  onSort,
  label,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  height?: number;
  selected?: Set<string>;
  onToggle?: (key: string) => void;
  onToggleAll?: () => void;
  onOpen?: (row: T) => void;
  onEndReached?: () => void;
  sort?: { key: string; asc: boolean };
  onSort?: (key: string) => void;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [cursor, setCursor] = useState(-1);
  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const width = columns.reduce((w, c) => w + c.width, selected ? 36 : 0);

  useEffect(() => {
    if (onEndReached && last >= rows.length - OVERSCAN && rows.length > 0) onEndReached();
  }, [last, rows.length, onEndReached]);

  const moveTo = (i: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    setCursor(next);
    const el = box.current;
    if (!el) return;
    if (next * ROW < el.scrollTop) el.scrollTop = next * ROW;
    else if ((next + 1) * ROW > el.scrollTop + height - ROW) el.scrollTop = (next + 2) * ROW - height;
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'j') moveTo(cursor + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') moveTo(cursor - 1);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(rows.length - 1);
    else if (e.key === 'PageDown') moveTo(cursor + Math.floor(height / ROW));
    else if (e.key === 'PageUp') moveTo(cursor - Math.floor(height / ROW));
    else if (e.key === 'Enter' && cursor >= 0 && onOpen) onOpen(rows[cursor]);
    else if (e.key === ' ' && cursor >= 0 && onToggle) onToggle(rowKey(rows[cursor]));
    else return;
    e.preventDefault();
  };

  return (
    <div
      className="vtable"
      ref={box}
      style={{ height }}
      tabIndex={0}
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length}
      onKeyDown={onKey}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="vtable-head" style={{ width }} role="row">
        {selected && (
          <span className="cell check" style={{ width: 36 }}>
            <input type="checkbox" aria-label="select all" checked={rows.length > 0 && selected.size === rows.length} onChange={onToggleAll} />
          </span>
        )}
        {columns.map((c) => (
          <span
            key={c.id}
            role="columnheader"
            className={`cell${c.sortKey && onSort ? ' sortable' : ''}`}
            style={{ width: c.width }}
            onClick={() => c.sortKey && onSort?.(c.sortKey)}
            aria-sort={sort && c.sortKey === sort.key ? (sort.asc ? 'ascending' : 'descending') : undefined}
          >
            {c.header}
            {sort && c.sortKey === sort.key ? (sort.asc ? ' ▲' : ' ▼') : ''}
          </span>
        ))}
      </div>
      <div style={{ height: rows.length * ROW, width, position: 'relative' }}>
        {rows.slice(first, last).map((row, n) => {
          const i = first + n;
          const key = rowKey(row);
          return (
            <div
              key={key}
              role="row"
              aria-rowindex={i + 1}
              data-key={key}
              className={`vrow${i === cursor ? ' cursor' : ''}${selected?.has(key) ? ' selected' : ''}`}
              style={{ top: i * ROW, height: ROW, width }}
              onClick={() => setCursor(i)}
              onDoubleClick={() => onOpen?.(row)}
            >
              {selected && (
                <span className="cell check" style={{ width: 36 }}>
                  <input type="checkbox" aria-label={`select ${key}`} checked={selected.has(key)} onChange={() => onToggle?.(key)} />
                </span>
              )}
              {columns.map((c) => (
                <span key={c.id} className="cell" role="gridcell" style={{ width: c.width }}>
                  {c.render(row)}
                </span>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

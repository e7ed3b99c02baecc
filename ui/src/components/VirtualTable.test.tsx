import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render } from '@testing-library/react';

afterEach(cleanup);
import { VirtualTable } from './VirtualTable';

const rows = Array.from({ length: 100_000 }, (_, i) => ({ id: `r${i}`, n: i }));
const columns = [{ id: 'n', header: 'N', width: 100, render: (r: { n: number }) => String(r.n) }];

describe('VirtualTable', () => {
  it('renders only the rows in view of 100,000', () => {
    const { container } = render(<VirtualTable label="t" rows={rows} columns={columns} rowKey={(r) => r.id} height={320} />);
    const rendered = container.querySelectorAll('.vrow').length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
  });
  it('moves a cursor with the keyboard and opens with Enter', () => {
    const onOpen = vi.fn();
    const { getByRole } = render(<VirtualTable label="t" rows={rows.slice(0, 50)} columns={columns} rowKey={(r) => r.id} onOpen={onOpen} />);
    const grid = getByRole('grid');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith({ id: 'r1', n: 1 });
  });
  it('asks for more rows when the end is in view', () => {
    const onEnd = vi.fn();
    render(<VirtualTable label="t" rows={rows.slice(0, 5)} columns={columns} rowKey={(r) => r.id} onEndReached={onEnd} />);
    expect(onEnd).toHaveBeenCalled();
  });
});

import { createContext, useContext, useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { prefix } from './api';

// A small history router: paths live under the static prefix, every view has a deep link, back/forward work.

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  let path = window.location.pathname;
  if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
  return { path: path || '/', query: new URLSearchParams(window.location.search) };
}

const RouterContext = createContext<Location>({ path: '/', query: new URLSearchParams() });

export function navigate(to: string, replace = false) {
  const url = prefix + to;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    // MLflow's UI links look like /#/experiments/1/runs/abc: keep them working.
    if (window.location.hash.startsWith('#/')) navigate(window.location.hash.slice(1), true);
    const onPop = () => setLoc(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return <RouterContext.Provider value={loc}>{children}</RouterContext.Provider>;
}

export function useLocation(): Location {
  return useContext(RouterContext);
}

/** Replaces one query parameter of the current view (filters, tabs) without a new history entry. */
export function setQueryParam(key: string, value: string | undefined) {
  const loc = current();
  const q = new URLSearchParams(loc.query);
  if (value === undefined || value === '') q.delete(key);
  else q.set(key, value);
  const s = q.toString();
  navigate(loc.path + (s ? `?${s}` : ''), true);
}

/** Matches "/experiments/:id/runs/:runId" against a path; returns the decoded parameters. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
}

export function Link({ to, children, className, title }: { to: string; children: ReactNode; className?: string; title?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={prefix + to} onClick={onClick} className={className} title={title}>
      {children}
    </a>
  );
}

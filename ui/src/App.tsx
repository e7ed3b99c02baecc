import { useEffect, useState, type ReactNode } from 'react';
import { Link, match, useLocation } from './router';
import { ExperimentsPage } from './pages/ExperimentsPage';
import { RunsPage } from './pages/RunsPage';
import { RunPage } from './pages/RunPage';
import { ComparePage } from './pages/ComparePage';
import { TracesPage } from './pages/TracesPage';
import { TracePage } from './pages/TracePage';
import { EvaluationsPage, EvaluationComparePage, DatasetsPage } from './pages/EvaluationsPage';
import { PromptsPage, PromptPage } from './pages/PromptsPage';
import { ModelsPage, ModelPage } from './pages/ModelsPage';
import { GatewayPage } from './pages/GatewayPage';
import { OverviewPage } from './pages/OverviewPage';
import { JudgesPage } from './pages/JudgesPage';
import { LabelingPage } from './pages/LabelingPage';
import { OptimizationPage } from './pages/OptimizationPage';
import { SimulationPage } from './pages/SimulationPage';
import { ExperimentHeader } from './pages/ExperimentHeader';
import { Empty } from './components/common';
import { csrfToken, signOut } from './api';

type Route = [string, (p: Record<string, string>) => ReactNode];

const ROUTES: Route[] = [
  ['/', () => <ExperimentsPage />],
  ['/experiments', () => <ExperimentsPage />],
  ['/experiments/:id', (p) => <RunsPage experimentIds={[p.id]} />],
  ['/experiments/:id/runs', (p) => <RunsPage experimentIds={[p.id]} />],
  ['/runs', () => <RunsPage />],
  ['/experiments/:id/runs/:runId', (p) => <RunPage runId={p.runId} />],
  ['/runs/:runId', (p) => <RunPage runId={p.runId} />],
  ['/compare-runs', () => <ComparePage />],
  ['/experiments/:id/traces', (p) => <TracesPage experimentId={p.id} />],
  ['/experiments/:id/traces/:traceId', (p) => <TracePage experimentId={p.id} traceId={p.traceId} />],
  ['/experiments/:id/sessions', (p) => <TracesPage experimentId={p.id} sessions />],
  ['/experiments/:id/evaluations', (p) => <EvaluationsPage experimentId={p.id} />],
  ['/experiments/:id/evaluations/compare', (p) => <EvaluationComparePage experimentId={p.id} />],
  ['/experiments/:id/overview', (p) => <OverviewPage experimentId={p.id} />],
  ['/experiments/:id/judges', (p) => <JudgesPage experimentId={p.id} />],
  ['/experiments/:id/labeling', (p) => <LabelingPage experimentId={p.id} />],
  ['/experiments/:id/optimization', (p) => <OptimizationPage experimentId={p.id} />],
  ['/experiments/:id/simulations', (p) => <SimulationPage experimentId={p.id} />],
  ['/datasets', () => <DatasetsPage />],
  ['/prompts', () => <PromptsPage />],
  ['/prompts/:name', (p) => <PromptPage name={p.name} />],
  ['/models', () => <ModelsPage />],
  ['/models/:name', (p) => <ModelPage name={p.name} />],
  ['/ai-gateway', () => <GatewayPage />],
];

const NAV: [string, string][] = [
  ['/', 'Experiments'],
  ['/models', 'Models'],
  ['/prompts', 'Prompts'],
  ['/datasets', 'Datasets'],
  ['/ai-gateway', 'Gateway'],
];

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(() => localStorage.getItem('osprey-theme') ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('osprey-theme', theme);
  }, [theme]);
  return [theme, () => setTheme(theme === 'dark' ? 'light' : 'dark')];
}

export function App() {
  const { path } = useLocation();
  const [theme, toggle] = useTheme();
  let page: ReactNode = undefined;
  let experimentId: string | undefined;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      experimentId = pattern.startsWith('/experiments/:id') ? params.id : undefined;
      break;
    }
  }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key === '/' && !/INPUT|TEXTAREA|SELECT/.test(target.tagName)) {
        const box = document.querySelector<HTMLInputElement>('input[data-search]');
        if (box) {
          e.preventDefault();
          box.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const section = path === '/' || path.startsWith('/experiments') || path.startsWith('/runs') || path.startsWith('/compare') ? '/' : '/' + path.split('/')[1];
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand">
          Osprey
        </Link>
        <nav>
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} className={section === to ? 'active' : ''}>
              {label}
            </Link>
          ))}
        </nav>
        <button type="button" className="theme-toggle" aria-label="toggle dark mode" onClick={toggle}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        {csrfToken() && (
          <button type="button" className="theme-toggle" onClick={() => void signOut()}>
            Sign out
          </button>
        )}
      </header>
      <main>
        {experimentId && <ExperimentHeader experimentId={experimentId} />}
        {page ?? (
          <Empty title="Page not found">
            Nothing lives at <code>{path}</code>. <Link to="/">Go to experiments</Link>
          </Empty>
        )}
      </main>
    </div>
  );
}

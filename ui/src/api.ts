// The one way the UI talks to the server: the MLflow /ajax-api routes and Osprey's own UI helper routes.

/** The --static-prefix the server was started with, written into index.html by the server. */
export const prefix: string =
  (typeof document !== 'undefined' && document.querySelector('meta[name="osprey-prefix"]')?.getAttribute('content')) ||
  '';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | boolean | undefined | (string | number)[]>;

function query(params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x)));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The CSRF cookie of a browser (OIDC) session; the server wants it echoed on every state change. */
export function csrfToken(cookies: string = typeof document === 'undefined' ? '' : document.cookie): string {
  const match = cookies.split(';').map((c) => c.trim()).find((c) => c.startsWith('osprey_csrf='));
  return match ? match.substring('osprey_csrf='.length) : '';
}

/** Ends the browser (OIDC) session, then shows the sign-in again. */
export async function signOut(): Promise<void> {
  await fetch(`${prefix}/auth/logout`, { method: 'POST', headers: { 'X-CSRF-Token': csrfToken() } });
  window.location.href = `${prefix}/`;
}

async function call<T>(method: string, path: string, body?: unknown, params?: Params): Promise<T> {
  const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
  const csrf = method === 'GET' ? '' : csrfToken();
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(`${prefix}/ajax-api/${path}${query(params)}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!res.ok) {
    throw new ApiError(res.status, json.error_code ?? `HTTP_${res.status}`, json.message ?? res.statusText);
  }
  return json as T;
}

export const api = {
  get: <T = any>(path: string, params?: Params) => call<T>('GET', path, undefined, params),
  post: <T = any>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  patch: <T = any>(path: string, body: unknown = {}) => call<T>('PATCH', path, body),
  del: <T = any>(path: string, body?: unknown) => call<T>('DELETE', path, body),
};

/** URL of a run artifact for previews and downloads (the server's /get-artifact route, prefix-aware). */
export function artifactUrl(runId: string, path: string): string {
  return `${prefix}/get-artifact${query({ run_uuid: runId, path })}`;
}

// ---- Shapes of the MLflow entities the pages use (only the fields they read). ----

export interface KeyValue {
  key: string;
  value: string;
}
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}
export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status: string;
  start_time?: number;
  end_time?: number;
  lifecycle_stage: string;
  artifact_uri?: string;
  user_id?: string;
}
export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: { model_id: string }[] };
  outputs?: { model_outputs?: { model_id: string; step: number }[] };
}
export interface DatasetInput {
  tags?: KeyValue[];
  dataset: { name: string; digest: string; source_type?: string; source?: string; schema?: string; profile?: string };
}
export interface TraceInfo {
  trace_id: string;
  request_time: string;
  execution_duration?: string;
  state: string;
  request_preview?: string;
  response_preview?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: Assessment[];
  trace_location?: { mlflow_experiment?: { experiment_id: string } };
}
export interface Assessment {
  assessment_id: string;
  assessment_name: string;
  trace_id?: string;
  source?: { source_type: string; source_id?: string };
  feedback?: { value?: unknown; error?: { error_message?: string } };
  expectation?: { value?: unknown };
  rationale?: string;
  create_time?: string;
  metadata?: Record<string, string>;
  valid?: boolean;
}
export interface Span {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  start_time_unix_nano: string | number;
  end_time_unix_nano: string | number;
  status?: { code?: string; message?: string };
  attributes?: Record<string, unknown>;
  events?: { name: string; time_unix_nano?: string | number; attributes?: Record<string, unknown> }[];
}

export function tagValue(tags: KeyValue[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

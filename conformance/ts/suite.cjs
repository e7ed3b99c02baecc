// MLflow's TypeScript tracing SDK (mlflow-tracing, unmodified) against a running Osprey server.
//
//   NODE_PATH=<dir>/node_modules MLFLOW_TRACKING_URI=http://127.0.0.1:5000 node suite.cjs [--json FILE]
//
// Each case traces through the SDK's public API (init, trace, withSpan, startSpan, updateCurrentTrace, flushTraces)
// and reads the trace back with the SDK's own MlflowClient. Output: PASS/FAIL lines, then the counts as JSON (also
// written to --json FILE). Exit status 0 only when no case failed.
'use strict';

const fs = require('fs');
const crypto = require('crypto');
const mlflow = require('mlflow-tracing');
const { createAuthProvider } = require('mlflow-tracing/dist/auth');

const trackingUri = process.env.MLFLOW_TRACKING_URI;
const client = new mlflow.MlflowClient({ trackingUri, authProvider: createAuthProvider({ trackingUri }) });
const cases = [];

function testCase(area, name, fn) {
  cases.push({ area, name, fn });
}

function expect(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function unique(prefix) {
  return `${prefix}-${crypto.randomBytes(5).toString('hex')}`;
}

async function freshExperiment() {
  const experimentId = await client.createExperiment(unique('ts-conf'));
  mlflow.init({ trackingUri, experimentId });
  return experimentId;
}

/** The trace with at least {@code spans} spans, polled: export is asynchronous. */
async function readBack(traceId, spans) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const trace = await client.getTrace(traceId);
      if (trace.data.spans.length >= spans) {
        return trace;
      }
    } catch (e) {
      if (Date.now() > deadline) {
        throw e;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`trace ${traceId} not readable with ${spans} spans within 20 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

testCase('tracing', 'tracedFunctions_exportedAndReadBack', async () => {
  const experimentId = await freshExperiment();
  const add = mlflow.trace((a, b) => a + b, { name: 'add', spanType: mlflow.SpanType.TOOL });
  const compute = mlflow.trace((x) => add(x, 1) * 2, { name: 'compute', spanType: mlflow.SpanType.CHAIN });
  expect(compute(3) === 8, 'the traced function still computes');
  await mlflow.flushTraces();
  const traceId = mlflow.getLastActiveTraceId();
  const trace = await readBack(traceId, 2);
  expect(trace.info.traceLocation.mlflowExperiment.experimentId === experimentId,
    `experiment ${JSON.stringify(trace.info.traceLocation)}`);
  const names = trace.data.spans.map((s) => s.name).sort();
  expect(JSON.stringify(names) === JSON.stringify(['add', 'compute']), `spans ${names}`);
  const root = trace.data.spans.find((s) => !s.parentId);
  expect(root.name === 'compute' && root.outputs === 8, `root ${root.name} -> ${JSON.stringify(root.outputs)}`);
  const tool = trace.data.spans.find((s) => s.name === 'add');
  expect(tool.spanType === 'TOOL', `span type ${tool.spanType}`);
  expect(trace.info.state === 'OK', `state ${trace.info.state}`);
});

testCase('tracing', 'manualSpans_attributesAndTraceTags', async () => {
  await freshExperiment();
  await mlflow.withSpan(async (span) => {
    span.setInputs({ question: 'why?' });
    mlflow.updateCurrentTrace({ tags: { suite: 'ts-conformance' } });
    const child = mlflow.startSpan({ name: 'lookup', spanType: mlflow.SpanType.RETRIEVER, inputs: { q: 'why?' } });
    child.setAttribute('hits', 3);
    child.end({ outputs: ['because'] });
    span.setOutputs({ answer: 'because' });
  }, { name: 'agent', spanType: mlflow.SpanType.AGENT });
  await mlflow.flushTraces();
  const trace = await readBack(mlflow.getLastActiveTraceId(), 2);
  expect(trace.info.tags.suite === 'ts-conformance', `tags ${JSON.stringify(trace.info.tags)}`);
  const lookup = trace.data.spans.find((s) => s.name === 'lookup');
  expect(lookup.spanType === 'RETRIEVER', `span type ${lookup.spanType}`);
  expect(lookup.attributes.hits === 3, `attributes ${JSON.stringify(lookup.attributes)}`);
  expect(JSON.stringify(lookup.outputs) === '["because"]', `outputs ${JSON.stringify(lookup.outputs)}`);
});

testCase('tracing', 'anErrorIsRecordedOnTheTrace', async () => {
  await freshExperiment();
  const failing = mlflow.trace(() => {
    throw new Error('boom');
  }, { name: 'failing' });
  try {
    failing();
  } catch (e) {
    // expected: the SDK rethrows
  }
  await mlflow.flushTraces();
  const trace = await readBack(mlflow.getLastActiveTraceId(), 1);
  expect(trace.info.state === 'ERROR', `state ${trace.info.state}`);
});

async function main() {
  const jsonAt = process.argv.indexOf('--json');
  const counts = {};
  let failed = 0;
  for (const c of cases) {
    const entry = counts[c.area] || { cases: 0, passed: 0 };
    entry.cases += 1;
    const started = Date.now();
    try {
      await c.fn();
      entry.passed += 1;
      console.log(`PASS ${c.area} ${c.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${c.area} ${c.name}: ${e && e.stack ? e.stack : e}`);
    }
    counts[c.area] = entry;
  }
  const summary = JSON.stringify({ areas: counts, skipped: {}, failed });
  console.log(summary);
  if (jsonAt > 0) {
    fs.writeFileSync(process.argv[jsonAt + 1], summary);
  }
  process.exit(failed ? 1 : 0);
}

main();

// node e2e/run.mjs <flow> — runs ui/e2e/flows/<flow>.mjs against OSPREY_URL with the seed in OSPREY_SEED (JSON).
import { readFileSync } from 'node:fs';
import { runFlow } from './lib.mjs';

const name = process.argv[2];
if (!name) {
  console.error('usage: node e2e/run.mjs <flow>   (OSPREY_URL and OSPREY_SEED set by the Java test)');
  process.exit(2);
}
const base = process.env.OSPREY_URL ?? 'http://127.0.0.1:5000';
const seed = process.env.OSPREY_SEED ? JSON.parse(readFileSync(process.env.OSPREY_SEED, 'utf8')) : {};
const { default: flow } = await import(`./flows/${name}.mjs`);
const started = Date.now();
try {
  await runFlow(name, flow, { base, seed });
  console.log(`PASS ${name} in ${Date.now() - started} ms`);
} catch (e) {
  console.error(`FAIL ${name}: ${e.stack ?? e}`);
  process.exit(1);
}

// UI-1: first paint of the web UI from a local server, against the same server's plain-text /health page measured
// in the same browser and run (the reference). Cold cache per load. Usage: node e2e/bench-first-paint.mjs <base> [n]
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './lib.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:5000';
const n = Number(process.argv[3] ?? 20);
const browser = await chromium.launch({ executablePath: process.env.OSPREY_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });

async function load(path, ready) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(base + path);
  await ready(page);
  const usable = Date.now() - t0;
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  await context.close();
  return { fcp, usable };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ui = [];
const plain = [];
for (let i = 0; i < n; i++) {
  plain.push(await load('/health', (p) => p.getByText('OK').waitFor()));
  ui.push(await load('/', (p) => p.getByRole('link', { name: 'Default', exact: true }).waitFor()));
}
await browser.close();
const uiFcp = median(ui.map((r) => r.fcp));
const plainFcp = median(plain.map((r) => r.fcp));
console.log(`UI-1 first paint, ${n} cold loads each (median):`);
console.log(`  /health plain text (reference)   FCP ${plainFcp.toFixed(0)} ms`);
console.log(`  / web UI, experiments page       FCP ${uiFcp.toFixed(0)} ms, experiments listed after ${median(ui.map((r) => r.usable))} ms`);
console.log(`  ratio UI / reference FCP         ${(uiFcp / plainFcp).toFixed(2)}x`);

// Overview per experiment: trace volume, latency percentiles, error rate, tokens and cost, scorer pass rates.
export default async function (page, { base, seed, check, shot }) {
  await page.goto(`${base}/experiments/${seed.tracesExperiment}/overview`);
  await page.getByTestId('total-traces').filter({ hasText: String(seed.traceCount) }).waitFor();
  const expectedRate = ((1 / seed.traceCount) * 100).toFixed(1);
  await page.getByTestId('error-rate').filter({ hasText: `${expectedRate}%` }).waitFor();
  await page.getByTestId('total-cost').filter({ hasText: '$0.02' }).waitFor();
  check((await page.getByTestId('overview-volume').locator('rect').count()) === 28, '28 buckets over 7 days');
  check((await page.getByTestId('overview-latency').locator('polyline').count()) === 3, 'p50, p90 and p99 lines');
  await page.getByTestId('overview-scorers').getByText('helpful (80%)').waitFor();
  await shot('overview');
  await page.getByLabel('overview window').selectOption({ label: 'Last 24 hours' });
  await page.getByTestId('overview-volume').locator('rect').nth(23).waitFor();
}

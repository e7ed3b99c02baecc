// Compare runs: parameter diff, overlaid metric charts, parallel coordinates, scatter plot.
export default async function (page, { base, seed, check, shot }) {
  await page.goto(`${base}/compare-runs?runs=${seed.compareRuns.join(',')}`);
  await page.getByRole('heading', { name: 'Comparing 3 runs' }).waitFor();
  const diff = page.getByTestId('param-diff');
  await diff.getByRole('row', { name: /optimizer/ }).waitFor();
  check((await diff.getByRole('row', { name: /epochs/ }).count()) === 0, 'equal params hidden by default');
  await page.getByLabel('Only parameters that differ').uncheck();
  await diff.getByRole('row', { name: /epochs/ }).waitFor();
  check((await diff.locator('tr.differs').count()) === 2, 'lr and optimizer differ');

  const pc = page.getByTestId('parallel-coordinates');
  check((await pc.locator('polyline').count()) === 3, 'one line per run in parallel coordinates');
  const scatter = page.getByTestId('scatter');
  check((await scatter.locator('circle').count()) === 3, 'one point per run in the scatter plot');
  await page.getByLabel('scatter y').selectOption('metrics.accuracy');
  await scatter.getByText('metrics.accuracy vs').waitFor();

  const chart = page.getByTestId('chart-loss');
  await chart.locator('polyline').first().waitFor();
  check((await chart.locator('polyline').count()) === 3, 'loss overlaid for three runs');
  await shot('compare');
}

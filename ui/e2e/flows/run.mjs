// Run detail: overview, metric charts (step/time axis, smoothing, log scale), params, tags, artifacts with
// previews (text, JSON, CSV, image), datasets, linked models and traces.
export default async function (page, { base, seed, check, shot }) {
  await page.goto(`${base}/experiments/${seed.detailExperiment}/runs/${seed.detailRun}`);
  await page.getByTestId('run-name').filter({ hasText: 'detail-run' }).waitFor();
  await page.getByText('FINISHED').first().waitFor();

  await page.getByRole('tab', { name: /Metrics/ }).click();
  const chart = page.getByTestId('chart-loss');
  await chart.locator('polyline').waitFor();
  const points = (await chart.locator('polyline').getAttribute('points')).trim().split(' ').length;
  check(points === 100, `loss chart has 100 points (${points})`);
  const before = await chart.locator('polyline').getAttribute('points');
  await page.getByLabel('smoothing').fill('0.9');
  check((await chart.locator('polyline').getAttribute('points')) !== before, 'smoothing changes the line');
  await page.getByLabel('log scale').check();
  await page.getByLabel('x axis').selectOption('time');
  await chart.locator('polyline').waitFor();
  await shot('metrics');

  await page.getByRole('tab', { name: /Parameters/ }).click();
  await page.getByRole('row', { name: /optimizer\s+adam/ }).waitFor();

  await page.getByRole('tab', { name: 'Artifacts' }).click();
  const tree = page.getByTestId('artifact-tree');
  await tree.getByRole('button', { name: /notes.txt/ }).click();
  await page.getByTestId('text-preview').filter({ hasText: 'Trained on the ui seed.' }).waitFor();
  await tree.getByRole('button', { name: /metrics.json/ }).click();
  await page.locator('.artifact-preview pre').filter({ hasText: '"auc": 0.91' }).waitFor();
  await tree.getByRole('button', { name: /table.csv/ }).click();
  await page.getByTestId('csv-table').getByRole('cell', { name: 'Smith, Ann' }).waitFor();
  await tree.getByRole('button', { name: /plots/ }).click();
  await tree.getByRole('button', { name: /curve.png/ }).click();
  const img = page.locator('img.preview-image');
  await img.waitFor();
  await page.waitForFunction(() => document.querySelector('img.preview-image')?.naturalWidth === 64);
  await shot('artifacts');

  await page.getByRole('tab', { name: 'Datasets' }).click();
  await page.getByRole('cell', { name: 'ui-train-set' }).waitFor();
  await page.getByRole('cell', { name: 'training' }).waitFor();

  await page.getByRole('tab', { name: 'Models' }).click();
  await page.getByRole('link', { name: `${seed.model} v2` }).waitFor();
  await page.getByRole('link', { name: `${seed.model} v1` }).waitFor();

  await page.getByRole('tab', { name: 'Tags' }).click();
  await page.getByText('mlflow.runName').waitFor();

  await page.getByRole('tab', { name: 'Traces' }).click();
  await page.getByText('No traces are linked to this run').waitFor();

  // Deep link straight into a tab.
  await page.goto(`${base}/experiments/${seed.detailExperiment}/runs/${seed.detailRun}?tab=params`);
  await page.getByRole('row', { name: /epochs\s+100/ }).waitFor();
}

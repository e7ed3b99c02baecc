// Evaluations: evaluation runs, per-row results with judge rationales, two runs compared with regressions, datasets.
export default async function (page, { base, seed, check, shot }) {
  const exp = seed.evalExperiment;
  await page.goto(`${base}/experiments/${exp}/evaluations`);
  const runs = page.getByTestId('evaluation-runs');
  await runs.getByRole('link', { name: 'eval-a' }).waitFor();
  check((await runs.locator('tbody tr').count()) === 2, 'two evaluation runs');
  await runs.getByRole('row', { name: /eval-b/ }).getByText('correctness: 0.667').waitFor();

  await runs.getByRole('link', { name: 'eval-a' }).click();
  const results = page.getByTestId('evaluation-results');
  await results.locator('tbody tr').nth(2).waitFor();
  check((await results.locator('tbody tr').count()) === 3, 'three rows');
  await results.getByRole('row', { name: /What is a trace\?/ }).click();
  await results.getByText('Rationale for row 2 of run 0').waitFor();
  await shot('results');

  await runs.getByLabel('pick eval-a').check();
  await runs.getByLabel('pick eval-b').check();
  await page.getByRole('button', { name: 'Compare two runs' }).click();
  await page.waitForURL(/evaluations\/compare\?a=/);
  await page.getByTestId('regression-count').filter({ hasText: '1 row regressed' }).waitFor();
  const table = page.getByTestId('comparison');
  check((await table.locator('td.regression').count()) === 1, 'one regressed cell highlighted');
  check((await table.locator('td.improvement').count()) === 1, 'one improved cell');
  await table.getByRole('row', { name: /What is Osprey\?/ }).locator('td.regression').waitFor();
  await page.getByLabel('Only regressions').check();
  check((await table.locator('tbody tr').count()) === 1, 'only the regression left');
  await shot('compare');

  await page.goto(`${base}/datasets`);
  await page.getByTestId('datasets').getByRole('link', { name: seed.dataset }).click();
  const records = page.getByTestId('dataset-records');
  await records.getByText('"question": "What is Osprey?"').waitFor();
  check((await records.locator('tbody tr').count()) === 3, 'three records');
}

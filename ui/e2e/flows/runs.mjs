// Runs table: virtualised rows, page-token paging on scroll, filter with inline errors, columns, sort,
// keyboard navigation, compare selection and bulk delete.
export default async function (page, { base, seed, check, shot, api, expectHttpError }) {
  const exp = seed.runsExperiment;
  await page.goto(`${base}/experiments/${exp}/runs`);
  const count = page.getByTestId('run-count');
  await count.filter({ hasText: '1,000 runs loaded' }).waitFor();
  const rendered = await page.locator('.vrow').count();
  check(rendered > 10 && rendered < 100, `only visible rows are in the DOM (${rendered})`);
  await shot('table');

  await page.getByRole('grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await count.filter({ hasText: `${seed.runCount.toLocaleString('en-US')} runs loaded` }).waitFor();
  check((await page.locator('.vrow').count()) < 100, 'still virtualised after the second page');

  await page.getByRole('grid').evaluate((el) => (el.scrollTop = 0));
  await page.getByRole('grid').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
  await page.getByTestId('run-name').waitFor();
  await page.goBack();

  await page.getByLabel('filter runs').fill('metrics.rmse < 0.1');
  await page.keyboard.press('Enter');
  await page.waitForURL(/filter=/);
  await count.filter({ hasText: '150 runs loaded' }).waitFor();

  expectHttpError(400);
  await page.getByLabel('filter runs').fill('metrics.rmse <<< 1');
  await page.keyboard.press('Enter');
  const error = page.getByTestId('filter-error');
  await error.waitFor();
  check((await error.textContent()).length > 10, 'the server explains the bad filter');
  await shot('filter-error');

  await page.goto(`${base}/experiments/${exp}/runs`);
  await count.filter({ hasText: '1,000 runs loaded' }).waitFor();
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByTestId('column-chooser').getByLabel('team').check();
  await page.getByRole('columnheader', { name: 'team' }).waitFor();
  check(/cols=/.test(page.url()), 'column choice is in the URL (deep link)');

  await page.getByRole('columnheader', { name: 'rmse' }).click();
  await page.waitForURL(/sort=metrics.rmse%3Adesc|sort=metrics.rmse:desc/);
  await page.locator('.vrow').first().filter({ hasText: 'run-1499' }).waitFor();
  await page.getByRole('columnheader', { name: 'rmse' }).click();
  await page.locator('.vrow').first().filter({ hasText: 'run-0000' }).waitFor();

  const boxes = page.locator('.vrow input[type=checkbox]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByRole('button', { name: 'Compare (2)' }).click();
  await page.waitForURL(/compare-runs\?runs=/);
  await page.getByTestId('param-diff').waitFor();
  await page.goBack();

  await page.locator('.vrow').first().filter({ hasText: 'run-0000' }).waitFor();
  const victim = await page.locator('.vrow').first().getAttribute('data-key');
  await page.locator('.vrow input[type=checkbox]').first().check();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.locator(`.vrow[data-key="${victim}"]`).waitFor({ state: 'detached' });
  check((await api('GET', `/ajax-api/2.0/mlflow/runs/get?run_id=${victim}`)).run.info.lifecycle_stage === 'deleted', 'run deleted on the server');
}

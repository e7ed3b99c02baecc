// Models: registered models, versions, aliases, stages, lineage to the source run.
export default async function (page, { base, seed, check, shot, api }) {
  await page.goto(`${base}/models`);
  await page.getByTestId('models').getByRole('link', { name: seed.model }).click();
  const versions = page.getByTestId('model-versions');
  await versions.getByRole('link', { name: 'Version 2' }).waitFor();
  check((await versions.locator('tbody tr').count()) === 2, 'two versions');

  await versions.getByLabel('stage of version 1').selectOption('Staging');
  await versions.getByLabel('stage of version 1').and(page.locator('select')).evaluate((el) => el.value === 'Staging');
  for (let i = 0; i < 50; i++) {
    const v = await api('GET', `/ajax-api/2.0/mlflow/model-versions/get?name=${seed.model}&version=1`);
    if (v.model_version.current_stage === 'Staging') break;
    check(i < 49, 'stage transition reached the server');
    await page.waitForTimeout(100);
  }

  await versions.getByRole('link', { name: 'Version 1' }).click();
  await page.getByLabel('new alias').fill('champion');
  await page.getByRole('button', { name: 'Set alias on version 1' }).click();
  await page.getByTestId('aliases').getByText('@champion → v1').waitFor();
  const model = await api('GET', `/ajax-api/2.0/mlflow/registered-models/get?name=${seed.model}`);
  check(model.registered_model.aliases.some((a) => a.alias === 'champion' && a.version === '1'), 'alias stored');
  await shot('model');

  await versions.getByRole('row', { name: /Version 1/ }).getByRole('link', { name: seed.detailRun.slice(0, 12) }).click();
  await page.waitForURL(new RegExp(`/runs/${seed.detailRun}$`));
  await page.getByTestId('run-name').filter({ hasText: 'detail-run' }).waitFor();
}

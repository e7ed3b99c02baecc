// Experiments (landing page): list, search, create, rename, delete, restore; dark mode; first paint.
export default async function (page, { base, seed, check, shot, api, expectHttpError }) {
  await page.goto(base + '/');
  await page.getByRole('link', { name: seed.experiments.alpha, exact: true }).waitFor();
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
  console.log(`first-contentful-paint ${Math.round(fcp)} ms`);
  await shot('list');

  await page.getByLabel('search experiments').fill('beta');
  await page.keyboard.press('Enter');
  await page.waitForURL(/q=beta/);
  await page.getByRole('link', { name: seed.experiments.beta, exact: true }).waitFor();
  await page.getByRole('link', { name: seed.experiments.alpha, exact: true }).waitFor({ state: 'detached' });

  // Unique names, so the flow can be re-run against a server it already ran on.
  const created = `ui-created-${Date.now()}`;
  const renamed = `ui-renamed-${Date.now()}`;
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await page.getByLabel('experiment name').fill(created);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/experiments\/\d+\/runs$/);
  await page.getByTestId('experiment-name').filter({ hasText: created }).waitFor();
  await page.getByText('No runs in this experiment yet').waitFor();

  await page.goto(`${base}/?q=${created}`);
  await page.getByRole('row', { name: created }).getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('experiment name').fill(renamed);
  // Navigating away before the rename's answer would cancel it: wait for the server to have renamed it.
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/mlflow/experiments/update') && r.ok()),
    page.getByRole('button', { name: 'Save' }).click(),
  ]);
  await page.goto(`${base}/?q=${renamed}`);
  await page.getByRole('link', { name: renamed, exact: true }).waitFor();
  const id = (await api('GET', `/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=${renamed}`)).experiment.experiment_id;

  page.once('dialog', (d) => d.accept());
  await page.getByRole('row', { name: renamed }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No experiment matches this search').waitFor();
  check((await api('GET', `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${id}`)).experiment.lifecycle_stage === 'deleted', 'experiment deleted on the server');

  await page.getByLabel('Show deleted').check();
  await page.getByRole('row', { name: renamed }).getByRole('button', { name: 'Restore' }).click();
  await page.getByText('No experiment matches this search').waitFor();
  check((await api('GET', `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${id}`)).experiment.lifecycle_stage === 'active', 'experiment restored on the server');

  // Creating a duplicate name shows the server's message in the dialog.
  expectHttpError(400);
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'New experiment' }).click();
  await page.getByLabel('experiment name').fill(seed.experiments.alpha);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('dialog').getByRole('alert').filter({ hasText: 'RESOURCE_ALREADY_EXISTS' }).waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'toggle dark mode' }).click();
  check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'dark mode on');
  await shot('dark');
  await page.reload();
  check((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'dark mode remembered');

  await page.goto(base + '/no/such/page');
  await page.getByText('Page not found').waitFor();
}

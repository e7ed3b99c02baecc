// Prompt optimization (issue 22): start a GEPA job from the page, watch it finish, read its candidates and the diff
// of the best template against the source, and promote the new version with an alias.
export default async function (page, { base, seed, check, shot }) {
  const exp = seed.optimizationExperiment;
  await page.goto(`${base}/experiments/${exp}/optimization`);
  const form = page.getByTestId('new-optimization');
  await form.getByLabel('prompt uri').fill('prompts:/ui-greet/1');
  await form.getByLabel('prompt optimizer').selectOption('GEPA');
  await form.getByLabel('dataset').selectOption({ label: 'ui-greetings' });
  await form.getByLabel('reflection model').fill('gateway:/ui-chat');
  await form.getByLabel('max metric calls').fill('20');
  await form.getByLabel('scorer french').check();
  await form.getByRole('button', { name: 'Start optimization' }).click();

  const detail = page.getByTestId('optimization-detail');
  await detail.getByText('COMPLETED').waitFor({ timeout: 30000 });
  const candidates = detail.getByTestId('optimization-candidates');
  await candidates.locator('tbody tr').nth(1).waitFor();
  check((await candidates.locator('tbody tr').count()) === 2, 'the source and one better candidate');
  await candidates.getByRole('row', { name: /★/ }).getByText('1.00').waitFor();
  await detail.getByTestId('optimization-diff').getByText('+ Always answer in French. Answer this: {{question}}').waitFor();
  const jobs = page.getByTestId('optimization-jobs');
  await jobs.getByRole('row', { name: /prompts:\/ui-greet\/1/ }).getByText('prompts:/ui-greet/2').waitFor();
  await shot('completed');

  await detail.getByLabel('alias').fill('production');
  await detail.getByRole('button', { name: 'Promote with alias' }).click();
  await detail.getByTestId('promoted').filter({ hasText: 'prompts:/ui-greet@production → version 2' }).waitFor();
}

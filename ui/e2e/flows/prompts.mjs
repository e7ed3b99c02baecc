// Prompts: list, versions, aliases, diff between two versions, rendered preview with variables.
export default async function (page, { base, seed, check, shot }) {
  await page.goto(`${base}/prompts`);
  const list = page.getByTestId('prompts');
  await list.getByRole('row', { name: /ui-greeting\s+2\s+@production → v2/ }).waitFor();
  check((await list.getByRole('link', { name: 'ui-model' }).count()) === 0, 'registered models are not prompts');
  await list.getByRole('link', { name: seed.prompt }).click();
  await page.waitForURL(/\/prompts\/ui-greeting/);
  const versions = page.getByTestId('prompt-versions');
  await versions.getByText('@production').waitFor();
  check((await versions.locator('li').count()) === 2, 'two versions');
  await page.getByTestId('prompt-template').filter({ hasText: 'enjoy your stay' }).waitFor();

  await page.getByLabel('variable name').fill('Ada');
  await page.getByLabel('variable place').fill('Oslo');
  await page.getByTestId('prompt-rendered').filter({ hasText: 'Hello Ada!' }).filter({ hasText: 'Welcome to Oslo, enjoy your stay.' }).waitFor();

  await page.getByLabel('diff against').selectOption('1');
  const diff = page.getByTestId('prompt-diff');
  await diff.locator('.removed').filter({ hasText: 'Hello {{name}}, welcome to {{place}}.' }).waitFor();
  check((await diff.locator('.added').count()) === 2, 'two added lines');
  await shot('diff');

  await versions.getByRole('link', { name: 'Version 1' }).click();
  await page.waitForURL(/version=1/);
  await page.getByLabel('diff against').selectOption('');
  await page.getByTestId('prompt-template').filter({ hasText: 'Hello {{name}}, welcome to {{place}}.' }).waitFor();
}

// Gateway: endpoints, providers, write-only secrets, usage and cost charts.
export default async function (page, { base, seed, check, shot }) {
  await page.goto(`${base}/ai-gateway`);
  const endpoints = page.getByTestId('gateway-endpoints');
  await endpoints.getByRole('row', { name: new RegExp(`${seed.gatewayEndpoint}.*openai.*gpt-ui`) }).waitFor();

  await page.getByRole('tab', { name: 'Providers & secrets' }).click();
  const secrets = page.getByTestId('gateway-secrets');
  await secrets.getByRole('row', { name: /ui-openai/ }).waitFor();
  check(!(await page.content()).includes(seed.gatewaySecretValue), 'the stored key never reaches the page');
  await page.getByLabel('secret name').fill('ui-created-secret');
  await page.getByLabel('api key').fill('sk-typed-in-the-ui-987654');
  await page.getByRole('button', { name: 'Store secret' }).click();
  await secrets.getByRole('row', { name: /ui-created-secret/ }).waitFor();
  check((await page.getByLabel('api key').inputValue()) === '', 'the key field is cleared');
  check(!(await page.content()).includes('sk-typed-in-the-ui-987654'), 'the new key is not shown back');
  await shot('secrets');

  await page.getByRole('tab', { name: 'Usage & cost' }).click();
  await page.getByTestId('usage-requests').locator('rect').first().waitFor();
  await page.getByTestId('usage-by-endpoint').getByRole('row', { name: /\s3\s+0\s/ }).waitFor();
  await shot('usage');
}

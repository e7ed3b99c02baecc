// Judges and labeling (issue 22): try a judge on traces people labelled, align it (MemAlign) and register the aligned
// version, then label traces from the keyboard in the labeling queue.
export default async function (page, { base, seed, check, shot }) {
  const exp = seed.judgesExperiment;
  await page.goto(`${base}/experiments/${exp}/judges`);
  const list = page.getByTestId('judges-list');
  await list.getByTestId('judge-concise').getByText('custom judge').waitFor();

  const builder = page.getByTestId('judge-builder');
  await builder.getByLabel('judge name').fill('concise');
  await builder.getByLabel('judge model').fill('gateway:/ui-chat');
  await builder.getByRole('button', { name: 'Try on labelled traces' }).click();
  await builder.getByTestId('try-agreement').filter({ hasText: '5 of 10' }).waitFor({ timeout: 30000 });
  check((await builder.getByTestId('try-results').locator('tbody tr').count()) === 10, 'ten labelled traces judged');
  check((await builder.getByTestId('try-results').locator('tr.regressed').count()) === 5, 'five disagreements marked');
  await shot('try');

  const alignment = page.getByTestId('alignment');
  await alignment.getByLabel('judge to align').selectOption('concise');
  await alignment.getByLabel('optimizer').selectOption('memalign');
  await alignment.getByLabel('embedding model').fill('gateway:/ui-chat');
  await alignment.getByLabel('held-out percent').fill('40');
  await alignment.getByLabel('register as next version').check();
  await alignment.getByRole('button', { name: 'Align' }).click();
  const agreement = alignment.getByTestId('alignment-agreement');
  await agreement.getByRole('row', { name: /after/ }).getByText('100.0 %').waitFor({ timeout: 30000 });
  await alignment.getByTestId('alignment-guidelines').getByText('Concise answers are under 25 characters.').waitFor();
  await alignment.getByTestId('alignment-registered').filter({ hasText: 'version 2' }).waitFor();
  await list.getByTestId('judge-concise').getByText('aligned (MemAlign)').waitFor();
  await shot('aligned');

  await page.getByRole('link', { name: 'Labeling' }).click();
  await page.waitForURL(/\/labeling$/);
  const schema = page.getByTestId('labeling-schema');
  await schema.getByLabel('question name').fill('tone');
  await schema.getByLabel('question', { exact: true }).fill('Is the tone friendly?');
  await schema.getByRole('button', { name: 'Add question' }).click();
  const queue = page.getByTestId('labeling-queue');
  await queue.getByTestId('queue-position').filter({ hasText: '1 / 10' }).waitFor();
  const first = await queue.getByTestId('queue-item').getAttribute('data-trace');
  await page.keyboard.press('y');
  await queue.getByTestId('queue-done').filter({ hasText: '1 done' }).waitFor();
  await queue.getByTestId('queue-position').filter({ hasText: '2 / 10' }).waitFor();
  await page.keyboard.press('n');
  await queue.getByTestId('queue-done').filter({ hasText: '2 done' }).waitFor();
  await page.keyboard.press('k');
  await page.keyboard.press('k');
  check((await queue.getByTestId('queue-item').getAttribute('data-trace')) === first, 'k goes back to the first trace');
  await queue.getByTestId('answer-tone').filter({ hasText: 'answered: true' }).waitFor();
  await shot('labeling');

  // The answer is a HUMAN feedback assessment on the trace, as the trace view shows it.
  await page.goto(`${base}/experiments/${exp}/traces/${first}`);
  await page.getByTestId('assessments').getByRole('row', { name: /tone/ }).getByText('HUMAN').waitFor();
}

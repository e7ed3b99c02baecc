// Conversation simulation (issue 23): start two simulations from a dataset of test cases against the gateway
// endpoint as the agent, read a conversation as a chat with the goal check and the session judge beside it, compare
// the two runs case by case, and distill sessions into test cases saved to a new dataset.
export default async function (page, { base, seed, check, shot }) {
  const exp = seed.simulationExperiment;
  await page.goto(`${base}/experiments/${exp}/simulations`);
  const start = async (runName) => {
    const form = page.getByTestId('new-simulation');
    await form.getByLabel('test cases dataset').selectOption({ label: 'ui-sim-cases' });
    await form.getByLabel('agent type').selectOption('gateway');
    await form.getByLabel('agent endpoint').fill('ui-chat');
    await form.getByLabel('user model').fill('gateway:/ui-chat');
    await form.getByLabel('max turns').fill('4');
    await form.getByLabel('run name').fill(runName);
    const judge = form.getByLabel('judge answered');
    if (!(await judge.isChecked())) await judge.check();
    await form.getByRole('button', { name: 'Start simulation' }).click();
    await page.waitForURL(/job=/);
    await page.getByTestId('simulation-jobs').getByRole('row', { name: new RegExp(runName) }).getByText('SUCCEEDED').waitFor({ timeout: 30000 });
    const detail = page.getByTestId('simulation-detail');
    await detail.getByText('SUCCEEDED').waitFor();
    return detail;
  };

  const detail = await start('agent-v1');
  await detail.getByTestId('simulation-summary').filter({ hasText: '2 conversations · 2 reached their goal · 0 failed' }).waitFor();
  const first = detail.getByTestId('conversation-0');
  await first.getByText('goal met').waitFor();
  await first.locator('header').click();
  const view = first.getByTestId('conversation-view');
  await view.getByText('What time do you open?').waitFor();
  await view.getByText('We open at 9.').waitFor();
  await view.getByText('We close at 6.').waitFor();
  await view.getByText('goal check after turn 1: not yet').waitFor();
  await view.getByText('goal check after turn 2: met').waitFor();
  const verdicts = view.getByTestId('conversation-verdicts');
  await verdicts.getByText('Met — both hours given').waitFor();
  await verdicts.getByText('answered', { exact: true }).waitFor();
  await verdicts.getByText('it answered every question', { exact: false }).waitFor();
  await shot('conversation');

  await start('agent-v2');
  const jobs = page.getByTestId('simulation-jobs');
  await jobs.locator('tbody tr').nth(1).waitFor();
  check((await jobs.locator('tbody tr').count()) === 2, 'two simulations listed');
  await jobs.getByRole('row', { name: /agent-v1/ }).click();
  await jobs.getByRole('row', { name: /agent-v2/ }).getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByTestId('simulation-compare');
  await compare.getByTestId('compare-case-1').waitFor();
  check((await compare.getByTestId('compare-case-0').getByText('goal met').count()) === 2, 'case 0 met its goal in both runs');
  await compare.getByTestId('compare-case-1').getByText('Plan a visit before closing').waitFor();
  await shot('compare');

  const distill = page.getByTestId('distill');
  await distill.getByLabel('distill model').fill('gateway:/ui-chat');
  await distill.getByRole('button', { name: 'Propose test cases' }).click();
  const proposals = distill.getByTestId('proposals');
  await proposals.locator('tbody tr').first().waitFor({ timeout: 30000 });
  check((await proposals.locator('tbody tr').count()) === 1, 'sessions with the same goal give one proposal');
  await proposals.getByLabel('goal 0').fill('Find the opening and closing hours');
  await distill.getByLabel('new dataset name').fill('ui-distilled');
  await distill.getByRole('button', { name: 'Save to dataset' }).click();
  await distill.getByTestId('distill-saved').filter({ hasText: '1 test cases saved' }).waitFor();
  await shot('distilled');
  const datasets = await fetch(`${base}/api/3.0/mlflow/datasets/search`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ experiment_ids: [exp] }) }).then((r) => r.json());
  const saved = datasets.datasets.find((d) => d.name === 'ui-distilled');
  check(saved !== undefined, 'the distilled dataset exists');
  const records = await fetch(`${base}/api/3.0/mlflow/datasets/${saved.dataset_id}/records`).then((r) => r.json());
  check(JSON.stringify(records).includes('Find the opening and closing hours'), 'the edited goal was saved');
}

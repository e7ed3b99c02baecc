// Traces: list with filters, detail with span tree + waterfall, conversation, tokens and cost, feedback,
// page-by-page spans of a 3,001-span trace, sessions.
export default async function (page, { base, seed, check, shot, api, count }) {
  const exp = seed.tracesExperiment;
  await page.goto(`${base}/experiments/${exp}/traces`);
  const rows = page.locator('.vrow');
  await rows.first().waitFor();
  await count(rows, seed.traceCount, 'all traces listed');
  await shot('list');

  await page.getByLabel('status').selectOption('ERROR');
  await page.waitForURL(/status=ERROR/);
  await page.locator(`.vrow[data-key="${seed.errorTrace}"]`).waitFor();
  await count(rows, 1, 'one failed trace');

  await page.getByLabel('status').selectOption('');
  await page.getByLabel('search trace text').fill('umbrella');
  await page.keyboard.press('Enter');
  await page.waitForURL(/text=umbrella/);
  await rows.filter({ hasText: 'umbrella' }).first().waitFor();
  await count(rows, 1, 'full-text search finds one trace');

  await page.goto(`${base}/experiments/${exp}/traces/${seed.chatTrace}`);
  await page.getByTestId('trace-id').waitFor();
  await page.getByRole('treeitem', { name: /ChatOpenAI/ }).waitFor();
  check((await page.getByRole('treeitem').count()) === 2, 'span tree has the root and the model span');
  check((await page.locator('.span-bar').count()) === 2, 'waterfall bars');
  await page.getByTestId('trace-tokens').filter({ hasText: '150' }).waitFor();
  await page.getByTestId('trace-cost').filter({ hasText: '$0.00300' }).waitFor();
  await page.getByTestId('conversation').first().getByText("What's the weather in Paris?").waitFor();
  await page.getByRole('treeitem', { name: /ChatOpenAI/ }).click();
  await page.getByTestId('span-detail').getByText('Tokens 150').waitFor();
  await page.getByTestId('span-detail').getByRole('tab', { name: 'Attributes' }).click();
  await page.getByTestId('span-detail').getByText('mlflow.spanType').waitFor();

  // The flow runs more than once against one seeded server (direct and behind nginx): a name of its own per run.
  const review = `ui_review_${Date.now().toString(36)}`;
  await page.getByLabel('feedback name').fill(review);
  await page.getByLabel('feedback value').fill('no');
  await page.getByLabel('rationale').fill('Too terse.');
  await page.getByRole('button', { name: 'Add feedback' }).click();
  await page.getByTestId('assessments').getByRole('row', { name: new RegExp(`${review}.*HUMAN.*Too terse`) }).waitFor();
  const stored = (await api('GET', `/ajax-api/3.0/mlflow/traces/${seed.chatTrace}`)).trace.trace_info.assessments;
  check(stored.some((a) => a.assessment_name === review && a.feedback.value === 'no'), 'feedback stored');
  await shot('detail');

  await page.goto(`${base}/experiments/${exp}/traces/${seed.bigTrace}`);
  const spanCount = page.getByTestId('span-count');
  await spanCount.filter({ hasText: `500 of ${seed.bigTraceSpans.toLocaleString('en-US')} spans loaded` }).waitFor();
  check((await page.getByRole('treeitem').count()) < 80, 'span rows are virtualised');
  await page.getByRole('tree').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await spanCount.filter({ hasText: /^1,000 of/ }).waitFor();
  await shot('big-trace');

  await page.goto(`${base}/experiments/${exp}/sessions`);
  const sessions = page.getByTestId('sessions');
  await sessions.getByRole('row', { name: /sess-1\s+3/ }).waitFor();
  await sessions.getByRole('link', { name: 'sess-1' }).click();
  await page.waitForURL(/session=sess-1/);
  await rows.first().waitFor();
  await count(rows, 3, 'the session has three traces');
}

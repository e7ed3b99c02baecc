export default async function (page, { base, shot, check }) {
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Experiments' }).waitFor();
  await shot('landing');
  check(true, '');
}

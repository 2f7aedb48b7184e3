// End-to-end test of the dashboard and the restricted area in headless Chromium.
// Usage: node e2e/dashboard.mjs BASE_URL TOKENS_FILE UPLOAD_FILE ARTIFACT_DIR
// Run by crates/akutt/tests/e2e.rs against `akutt demo`; screenshots go to ARTIFACT_DIR.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';
// The JSON-stat JavaScript Toolkit (by the format's author): reads the downloads as their users' tools do.
import JSONstat from 'jsonstat-toolkit';

const [base, tokensFile, uploadFile, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const tokens = Object.fromEntries(readFileSync(tokensFile, 'utf8').trim().split('\n').map((l) => { const [name, , token] = l.split(' '); return [name, token]; }));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ acceptDownloads: true });
const page = await context.newPage();
const step = async (name, fn) => {
  try { await fn(); console.log(`ok   ${name}`); }
  catch (e) { await page.screenshot({ path: `${artifacts}/FAILED-${name}.png`, fullPage: true }); console.error(`FAIL ${name}: ${e.message}`); await browser.close(); process.exit(1); }
};

await step('dashboard', async () => {
  await page.goto(`${base}/`);
  assert.match(await page.textContent('.banner'), /SYNTETISKE DATA/);
  assert.ok(await page.isVisible('svg'));
  await page.screenshot({ path: `${artifacts}/01-dashboard.png`, fullPage: true });
});

await step('filter-changes-figures', async () => {
  const before = await page.textContent('#kpi-incidents');
  await page.fill('input[name=from]', '2025-06');
  await page.fill('input[name=to]', '2025-06');
  await Promise.all([page.waitForURL(/from=2025-06/), page.click('form button[type=submit]')]);
  const after = await page.textContent('#kpi-incidents');
  assert.notEqual(after, before, `incidents ${before} → ${after}`);
  assert.ok(Number(after) > 0 && Number(after) < Number(before));
  await page.screenshot({ path: `${artifacts}/02-filtered.png`, fullPage: true });
});

await step('printing-keeps-the-period', async () => {
  // The period form is hidden in print; the printed page still says which months it shows,
  // which release and data version, and where the definitions are.
  await page.emulateMedia({ media: 'print' });
  assert.ok(!(await page.isVisible('form button[type=submit]')), 'no form on paper');
  assert.match(await page.textContent('#printed-period'), /2025-06 – 2025-06/);
  assert.ok(await page.isVisible('#printed-period'));
  assert.ok(await page.isVisible('#release'));
  await page.emulateMedia({ media: 'screen' });
  assert.ok(!(await page.isVisible('#printed-period')), 'not on screen');
});

await step('download-csv', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  // The file name says what it holds; the file opens in Norwegian Excel (BOM, ';').
  assert.match(download.suggestedFilename(), /^akutt-volume-\d{4}-\d{2}-\d{4}-\d{2}-month-v\d+-syntetisk\.csv$/);
  const path = `${artifacts}/indikatorer.csv`;
  await download.saveAs(path);
  const csv = readFileSync(path, 'utf8');
  assert.match(csv, /^\uFEFFMåned;Henvendelser;Hendelser;/);
  assert.match(csv, /\r\n2025-06;\d+;\d+;/);
});

await step('download-xlsx', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
  assert.match(download.suggestedFilename(), /^akutt-indikatorer-.*\.xlsx$/);
  const path = `${artifacts}/indikatorer.xlsx`;
  await download.saveAs(path);
  // An xlsx file is a zip archive.
  assert.equal(readFileSync(path).subarray(0, 2).toString('latin1'), 'PK');
});

await step('json-stat-read-by-the-toolkit', async () => {
  // Every published figure of the API is the toolkit's cell of the same dataset, and every
  // empty cell has the API's status.
  const q = 'from=2025-01&to=2025-12&by=centre';
  const collection = JSONstat(await (await fetch(`${base}/data/indikatorer.json?${q}`)).json());
  const api = (await (await fetch(`${base}/api/indicators?${q}`)).json()).indicators;
  assert.equal(collection.class, 'collection');
  assert.ok(collection.length >= 5, `${collection.length} datasets`);
  let checked = 0;
  for (let i = 0; i < collection.length; i++) {
    const ds = collection.Dataset(i);
    assert.equal(ds.class, 'dataset');
    assert.equal(ds.n, ds.size.reduce((a, b) => a * b, 1));
    const indicator = ds.extension.indicator;
    const measures = ds.Dimension('measure');
    assert.ok(measures.role === 'metric', `${indicator}: measure role ${measures.role}`);
    for (const f of api.filter((f) => f.id === indicator && f.group.centre && Object.keys(f.group).length === 1)) {
      for (const m of measures.id.filter((m) => !m.includes('.'))) {
        const cell = ds.Data({ ...f.group, measure: m });
        assert.ok(cell, `${indicator} ${f.group.centre} ${m}: no cell`);
        assert.equal(cell.value, f[m] ?? null, `${indicator} ${f.group.centre} ${m}`);
        if (cell.value === null) assert.equal(cell.status, f.status?.[m] ?? '..', `${indicator} ${f.group.centre} ${m} status`);
        checked++;
      }
    }
    assert.ok(ds.Dimension('centre').Category('OSL').label.length > 0);
  }
  assert.ok(checked > 100, `${checked} cells checked`);
});

await step('english', async () => {
  await page.click('text=English');
  assert.match(await page.textContent('.banner'), /SYNTHETIC DATA/);
});

await step('map', async () => {
  await page.goto(`${base}/kart?measure=share`);
  // The demo's data is of 2024 and 2025: drawn in the 2024 structure, with places coloured
  // under numbers that exist only from 2024 (Østfold's 31xx; small places are withheld, so
  // which ones depends on the demo's scale).
  const coloured = async () =>
    page.$$eval('path[data-kommune]', (ps) =>
      ps.filter((p) => p.getAttribute('fill') !== 'url(#hatch)').map((p) => p.dataset.kommune));
  assert.equal(await page.locator('path[data-kommune]').count(), 357);
  const in2024 = await coloured();
  assert.ok(in2024.some((k) => k.startsWith('31')), `coloured: ${in2024.join(',')}`);
  await page.screenshot({ path: `${artifacts}/03-map.png`, fullPage: true });
  // The same figures in the 2020 structure: Østfold is part of Viken (30xx) again.
  await page.click('#structure a');
  assert.equal(await page.locator('path[data-kommune]').count(), 356);
  assert.equal(await page.locator('path[data-kommune="3101"]').count(), 0);
  const in2020 = await coloured();
  assert.ok(in2020.some((k) => k.startsWith('30')), `coloured: ${in2020.join(',')}`);
});

await step('reports-published-as-html-and-pdf', async () => {
  // The demo's release: its annual report as a page, and the same report as a PDF.
  await page.goto(`${base}/rapporter`);
  assert.match(await page.textContent('body'), /Publisering 1/);
  await Promise.all([page.waitForURL(/\/rapporter\/1\/2025$/), page.click('a[href="/rapporter/1/2025"]')]);
  assert.match(await page.textContent('h1'), /Årsrapport 2025/);
  for (const id of ['key-figures', 'centres', 'innringer', 'hour', 'transfers', 'quality', 'growth']) {
    assert.ok(await page.locator(`table#${id} tr`).count() > 1, `table ${id}`);
  }
  await page.screenshot({ path: `${artifacts}/07-annual-report.png`, fullPage: true });
  const pdf = await fetch(`${base}/rapporter/1/2025.pdf`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.match(pdf.headers.get('content-disposition'), /akutt-aarsrapport-2025-publisering-1\.pdf/);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
});

await step('login-as-centre', async () => {
  await page.goto(`${base}/innsendinger`);
  assert.match(page.url(), /logg-inn/);
  await page.fill('#token', tokens['demo-osl']);
  await Promise.all([page.waitForURL(/innsendinger/), page.click('#login')]);
  const centres = await page.locator('#submissions tr td:nth-child(2)').allTextContents();
  assert.ok(centres.length > 0 && centres.every((c) => c === 'OSL'), centres.join(','));
  await page.screenshot({ path: `${artifacts}/04-submissions.png`, fullPage: true });
});

await step('upload-and-read-report', async () => {
  await page.setInputFiles('#file', uploadFile);
  await Promise.all([page.waitForURL(/last-opp/), page.click('#upload')]);
  assert.match(await page.textContent('#status'), /accepted/);
  assert.ok(Number(await page.textContent('#count-incidents')) > 0);
  await page.screenshot({ path: `${artifacts}/05-report.png`, fullPage: true });
  // The findings as a spreadsheet file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#findings-csv')]);
  assert.match(download.suggestedFilename(), /^akutt-funn-innsending-\d+\.csv$/);
  const path = `${artifacts}/funn.csv`;
  await download.saveAs(path);
  assert.match(readFileSync(path, 'utf8'), /^\uFEFFRegel;Alvorlighet;Regelen;Linje;/);
});

await step('received-marks-the-resubmitted-month', async () => {
  // OSL's December came again after release 1; November stands as released.
  await page.goto(`${base}/mottatt?from=2025-11&to=2025-12`);
  assert.match(await page.textContent('h2'), /OSL/);
  assert.equal(await page.getAttribute('tr[data-month="2025-12"]', 'class'), 'changed');
  assert.equal(await page.getAttribute('tr[data-month="2025-11"]', 'class'), 'released');
  await page.screenshot({ path: `${artifacts}/08-received.png`, fullPage: true });
});

await step('analyse-growth-of-the-own-centre', async () => {
  // The analyses page as the OSL user: the growth form's answer at a shareable URL.
  await page.goto(`${base}/analyse`);
  await page.fill('#form-growth input[name=from_year]', '2024');
  await page.fill('#form-growth input[name=to_year]', '2025');
  await Promise.all([page.waitForURL(/analysis=growth/), page.click('#form-growth button[type=submit]')]);
  const rows = await page.locator('table#growth tr').count();
  assert.equal(rows, 3, `${rows} rows`);
  assert.match(await page.textContent('body'), /Sentral \/ centre\s*OSL/);
  assert.ok(await page.isVisible('#result svg'));
  await page.screenshot({ path: `${artifacts}/09-analyse.png`, fullPage: true });
});

await step('refused-another-centres-report', async () => {
  const res = await fetch(`${base}/api/submissions`, { headers: { authorization: `Bearer ${tokens['demo-admin']}` } });
  const other = (await res.json()).submissions.find((s) => s.centre === 'KKN');
  const response = await page.goto(`${base}/innsendinger/${other.id}`);
  assert.equal(response.status(), 403);
  assert.ok(await page.isVisible('#other_centre'));
  await page.screenshot({ path: `${artifacts}/06-refused.png`, fullPage: true });
});

await step('every-page-accessible-and-fits-a-phone', async () => {
  // axe-core (Deque's engine, as browsers' audit tools use) on every page, public ones in
  // both languages, restricted ones signed in by bearer token; the pages' CSP forbids
  // scripts, so this context bypasses it for the audit only. No serious or critical
  // violation; at 390 px no page is wider than the screen. Screenshots at 1400 and 390 px.
  const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
  const audit = await browser.newContext({ bypassCSP: true, extraHTTPHeaders: { authorization: `Bearer ${tokens['demo-osl']}` } });
  const tab = await audit.newPage();
  const pub = ['/', '/sentral/OSL', '/kart', '/definisjoner', '/rapporter', '/rapporter/1/2025', '/sammenligning'];
  const pages = [
    ...pub,
    ...pub.map((p) => `${p}?lang=en`),
    '/logg-inn', '/innsendinger', '/fullstendighet', '/mottatt', '/analyse?analysis=growth&from_year=2024&to_year=2025',
  ];
  const problems = [];
  for (const [i, path] of pages.entries()) {
    const name = String(i).padStart(2, '0') + path.replace(/[^a-z0-9]+/gi, '-');
    await tab.setViewportSize({ width: 1400, height: 900 });
    await tab.goto(`${base}${path}`);
    await tab.screenshot({ path: `${artifacts}/wide-${name}.png`, fullPage: true });
    await tab.evaluate(axeSource);
    const result = await tab.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    for (const v of result.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious')) {
      problems.push(`${path}: ${v.impact} ${v.id} (${v.nodes.length}: ${v.nodes[0].target})`);
    }
    await tab.setViewportSize({ width: 390, height: 844 });
    const width = await tab.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) problems.push(`${path}: ${width} px wide at 390`);
    await tab.screenshot({ path: `${artifacts}/phone-${name}.png`, fullPage: true });
  }
  writeFileSync(`${artifacts}/audit.txt`, problems.join('\n') + '\n');
  assert.deepEqual(problems, []);
  await audit.close();
});

await browser.close();
console.log('e2e: all steps passed');

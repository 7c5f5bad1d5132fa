import { chromium } from 'playwright-core';
const url = process.argv[2];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
for (let i = 0; i < 12; i++) {
  const page = await browser.newPage();
  const pending = new Map();
  page.on('request', (r) => pending.set(r, Date.now()));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => { console.log('failed', r.url(), r.failure()?.errorText); pending.delete(r); });
  const t = Date.now();
  try {
    await page.goto(url + '?autoplay=0&seed=' + i, { timeout: 15000 });
    console.log(i, 'loaded in', Date.now() - t, 'ms');
  } catch (e) {
    console.log(i, 'TIMEOUT; pending:', [...pending.keys()].map((r) => r.url().replace(url, '')).join(' '));
  }
  await page.close();
}
await browser.close();

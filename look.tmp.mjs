import { chromium } from 'playwright-core';
const [url, out, theme] = [process.argv[2], process.argv[3], process.argv[4] ?? 'light'];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
for (const [name, w, h] of [['desktop', 1280, 800], ['iframe', 800, 600], ['phone', 390, 844], ['narrow', 360, 740]]) {
  const page = await browser.newPage({ viewport: { width: w, height: h }, colorScheme: theme });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => localStorage.setItem('raftlab.firstVisitDone', '1'));
  await page.goto(url);
  await page.waitForSelector('body[data-state="ready"]');
  await page.evaluate(async () => {
    const { ctx } = window.raftlab;
    ctx.pause();
    for (let i = 0; i < 40 && ctx.view.leader === undefined; i++) ctx.advance(100);
    const leader = ctx.view.leader;
    ctx.sendConsole(1, leader, 'put mykey myvalue');
    ctx.advance(400);
    ctx.sendConsole(1, leader, 'get mykey');
    ctx.advance(300);
    ctx.act({ kind: 'set-link-up', from: 1, to: 2, up: false });
    ctx.select({ node: leader });
    ctx.advance(37);
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: name === 'phone' });
  console.log(name, errors.length ? errors : 'no errors');
  await page.close();
}
await browser.close();

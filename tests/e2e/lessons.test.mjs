// Guided lessons in the browser (issue 12): every built-in lesson of www/lessons/index.json,
// opened with `lesson=NAME`, walked to its end through the lesson card alone (pick an answer,
// do the task, let the step run, Next); Back returns the run to where the step began; the
// lesson menu lists them all; locked controls are refused during a lesson and free after it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, baseUrl, openPage } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function lessonList() {
  const response = await fetch(new URL('lessons/index.json', baseUrl));
  assert.equal(response.status, 200);
  return response.json();
}

/**
 * Opens the page on lesson `name`, paused, without the first-visit hint; `fetched` collects the
 * path of every request the page makes.
 */
async function openLesson(name, fetched = []) {
  const { page, problems } = await openPage(browser);
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
  await page.addInitScript(() => {
    try { localStorage.setItem('raftlab.firstVisitDone', '1'); } catch { /* ignore */ }
  });
  const url = new URL(baseUrl);
  url.searchParams.set('lesson', name);
  await page.goto(url.toString(), { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
  await page.getByTestId('lesson-card').waitFor();
  return { page, problems };
}

const card = (page) => page.getByTestId('lesson-card');

/** The lesson as the engine reads it (for the predictions' answers). */
async function lessonOf(page, file) {
  return page.evaluate(async (f) => {
    const text = await (await fetch(`lessons/${f}`)).text();
    // The lesson parser is the small on-demand wasm module's (pkg/ is the same in www/ and
    // dist).
    const parser = await import(new URL('pkg/raftlab_check.js', document.baseURI).href);
    await parser.default();
    return JSON.parse(parser.lessonJson(text));
  }, file);
}

/** Walks step `at` to its end through the card; gives the card's text at the end. */
async function walkStep(page, step) {
  const c = card(page);
  if (step.predict) {
    await c.getByRole('radio', { name: step.predict.choices[step.predict.answer], exact: true }).check();
  }
  const primary = c.locator('button.primary');
  const label = await primary.first().textContent();
  if (label !== 'Next ▸' && label !== 'Finish') await primary.first().click();
  await c.locator('button.primary', { hasText: /Next ▸|Finish/ }).waitFor({ timeout: 60000 });
  return c.textContent();
}

test('a lesson loads the small on-demand module, not the big one with the simulator', async () => {
  const fetched = [];
  const { page, problems } = await openLesson('leader-election', fetched);
  assert.ok(fetched.some((path) => path.endsWith('/pkg/raftlab_check_bg.wasm')), fetched.join(' '));
  assert.ok(!fetched.some((path) => path.includes('/pkg/raftlab_tools')), fetched.join(' '));
  assert.deepEqual(problems, []);
  await page.close();
});

test('every built-in lesson walks to its end in the page', async () => {
  const lessons = await lessonList();
  assert.ok(lessons.length >= 5, `the lesson list: ${lessons.map((l) => l.name).join(', ')}`);
  for (const entry of lessons) {
    const { page, problems } = await openLesson(entry.name);
    // The fastest pace (a wait plays at the speed slider's pace, at least 1×).
    await page.evaluate(() => window.raftlab.ctx.setSpeed(1000));
    const lesson = await lessonOf(page, entry.file);
    assert.equal(lesson.name, entry.name);
    for (let at = 0; at < lesson.steps.length; at += 1) {
      const step = lesson.steps[at];
      await card(page).getByText(`step ${at + 1} of ${lesson.steps.length}`).waitFor();
      assert.equal(await card(page).getByRole('heading', { level: 2 }).textContent(), step.title);
      const text = await walkStep(page, step);
      assert.doesNotMatch(text, /did not happen/, `${entry.name} step ${at + 1}: the wait happened`);
      if (step.predict) assert.match(text, /Yes\./, `${entry.name} step ${at + 1}: the right answer is revealed as right`);
      const last = at + 1 === lesson.steps.length;
      await card(page).getByRole('button', { name: last ? 'Finish' : 'Next ▸' }).click();
    }
    await card(page).getByText(lesson.summary).waitFor();
    await card(page).getByRole('button', { name: 'Try it yourself' }).click();
    assert.equal(await card(page).isVisible(), false, 'the card goes; free play keeps the run');
    assert.deepEqual(problems, [], `${entry.name}: no page errors`);
    await page.close();
  }
});

test('Back returns the run to where the step began; locks hold during a lesson and end with it', async () => {
  const { page, problems } = await openLesson('leader-election');
  const lesson = await lessonOf(page, '01-leader-election.txt');
  const hash = () => page.evaluate(() => window.raftlab.ctx.playground.hash());
  const starts = [];
  for (let at = 0; at < 2; at += 1) {
    starts.push(await hash());
    await walkStep(page, lesson.steps[at]);
    await card(page).getByRole('button', { name: 'Next ▸' }).click();
  }
  const third = await hash();
  assert.notEqual(third, starts[1]);
  await card(page).getByRole('button', { name: '◂ Back' }).click();
  await card(page).getByText(`step 2 of ${lesson.steps.length}`).waitFor();
  assert.equal(await hash(), starts[1], 'Back: the run is where step 2 began');
  await card(page).getByRole('button', { name: '◂ Back' }).click();
  assert.equal(await hash(), starts[0], 'Back again: where step 1 began');
  // Walking forward again tells the same story (the recorded run, replayed).
  await walkStep(page, lesson.steps[0]);
  await card(page).getByRole('button', { name: 'Next ▸' }).click();
  assert.equal(await hash(), starts[1]);

  // lesson 1 leaves crash and restart usable: heal is locked.
  const healed = await page.evaluate(() => window.raftlab.ctx.act({ kind: 'heal' }));
  assert.equal(healed, false);
  assert.match(await page.textContent('#banner-text'), /locked by this lesson/);
  await card(page).getByRole('button', { name: 'Exit lesson' }).click();
  assert.equal(await page.evaluate(() => window.raftlab.ctx.act({ kind: 'heal' })), true, 'free after the lesson');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Lessons menu lists every lesson and starts one; an unknown lesson= says so', async () => {
  const lessons = await lessonList();
  const { page, problems } = await openPage(browser);
  await page.goto(new URL('?lesson=no-such-lesson&autoplay=0', baseUrl).toString());
  await page.waitForSelector('body[data-state="ready"]');
  // The lesson player is imported on demand, so its message may follow the ready state.
  await page.waitForFunction(() => /There is no lesson/.test(document.querySelector('#banner-text')?.textContent ?? ''));
  assert.match(await page.textContent('#banner-text'), /There is no lesson "no-such-lesson"\. The lessons are: leader-election/);
  await page.getByRole('button', { name: 'Lessons' }).click();
  const items = page.locator('#lessons-list button');
  await items.first().waitFor();
  assert.deepEqual(await items.allTextContents(), lessons.map((l) => l.title));
  // The learner's own run is kept in local storage; a lesson does not overwrite it.
  assert.equal(await page.evaluate(() => window.raftlab.ctx.act({ kind: 'crash', node: 2 })), true);
  const kept = await page.evaluate(() => localStorage.getItem('raftlab.currentRun'));
  assert.ok(kept?.startsWith('1.'));
  await page.getByRole('button', { name: lessons[1].title }).click();
  await card(page).getByText(`Lesson · ${lessons[1].title}`).waitFor();
  await card(page).getByRole('button', { name: 'Play step' }).click();
  await card(page).getByRole('button', { name: 'Next ▸' }).waitFor();
  await page.evaluate(() => window.dispatchEvent(new Event('pagehide')));
  assert.equal(await page.evaluate(() => localStorage.getItem('raftlab.currentRun')), kept, 'the kept run is the learner\'s, not the lesson\'s');
  assert.deepEqual(problems, []);
  await page.close();
});

test('Back across a step that starts a fresh run (a teaching switch) returns to the run before it', async () => {
  const lessons = await lessonList();
  const { page, problems } = await openLesson(lessons[5].name);
  await page.evaluate(() => window.raftlab.ctx.setSpeed(1000));
  const lesson = await lessonOf(page, lessons[5].file);
  const fresh = lesson.steps.findIndex((step, at) => at > 0 && step.config);
  assert.ok(fresh > 0 && fresh + 1 < lesson.steps.length, `${lesson.name} has a fresh-run step in the middle`);
  const hash = () => page.evaluate(() => window.raftlab.ctx.playground.hash());
  const starts = [];
  for (let at = 0; at <= fresh; at += 1) {
    starts.push(await hash());
    await walkStep(page, lesson.steps[at]);
    await card(page).getByRole('button', { name: 'Next ▸' }).click();
  }
  const switches = await page.evaluate(() => window.raftlab.ctx.config.unsafe_switches);
  assert.deepEqual(switches, lesson.steps[fresh].config.unsafe_switches, 'the settings show the fresh run\'s config');
  assert.notEqual(await hash(), starts[fresh]);
  await card(page).getByRole('button', { name: '◂ Back' }).click();
  assert.equal(await hash(), starts[fresh], 'Back: where the fresh run began');
  await card(page).getByRole('button', { name: '◂ Back' }).click();
  await card(page).getByText(`step ${fresh} of ${lesson.steps.length}`).waitFor();
  assert.equal(await hash(), starts[fresh - 1], 'Back again: the run before the fresh one, where its step began');
  assert.deepEqual(await page.evaluate(() => window.raftlab.ctx.config.unsafe_switches), lesson.config.unsafe_switches ?? []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a lesson inside an embedding stays within its controls: after Exit, locked settings stay hidden', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(new URL('?embed=1&lesson=leader-election&controls=play,crash,restart', baseUrl).toString());
  await page.waitForSelector('body[data-state="ready"]');
  await card(page).waitFor();
  assert.equal(await page.isVisible('#tab-settings'), false);
  assert.equal(await page.isVisible('#play'), false, 'the lesson drives time');
  await card(page).getByRole('button', { name: 'Exit lesson' }).click();
  assert.equal(await page.isVisible('#play'), true, 'the embedding allows play');
  assert.equal(await page.isVisible('#tab-settings'), false, 'the embedding does not allow settings');
  assert.equal(await page.evaluate(() => window.raftlab.ctx.act({ kind: 'heal' })), false);
  assert.deepEqual(problems, []);
  await page.close();
});

// The guided-lesson player: a lesson is a text file in www/lessons/ (docs/lessons.md) that
// the engine parses (`lessonJson` and `lessonPlans`, in the small on-demand module
// `pkg/raftlab_check.js` that `tools.js` loads: no simulator in it) and plays (`lessonActions`,
// `lessonDoAction`, `lessonRunWait`, each given its step's plan); this module only shows it, one
// step at a time, and drives the run
// through the controller. Back really goes back: each step remembers where the run was when
// it began and returns there through the timeline.

import { loadLessonParser } from './tools.js';

/** The slowest pace a step's wait plays at (virtual ms per wall ms); the speed slider can
 * make it faster. */
const LESSON_SPEED = 1;

/**
 * @typedef {object} LessonStep
 * @property {string} title
 * @property {string[]} captions
 * @property {{ timers: boolean, nodes: number[], leader: boolean, messageKinds: string[],
 *             messages: string[], indexes: number[] }} highlight (`messages`: the view
 *   model's message kinds the `messageKinds` words stand for)
 * @property {string[]} acts
 * @property {string | null} doLabel
 * @property {string | null} doKind
 * @property {{ question: string, choices: string[], answer: number, reveal: string } | null} predict
 * @property {string | null} wait
 * @property {number} limitMs
 * @property {Record<string, any> | null} config a fresh run's settings (the step's `cluster` line)
 */

/**
 * @typedef {object} Lesson
 * @property {string} name
 * @property {string} title
 * @property {Record<string, any>} config
 * @property {string[] | null} controls
 * @property {string[] | null} panels
 * @property {string} summary
 * @property {LessonStep[]} steps
 */

/** The built-in lessons' list (www/lessons/index.json): [{ name, title, file }]. */
export async function lessonIndex() {
  const response = await fetch('lessons/index.json');
  if (!response.ok) throw new Error(`the lesson list could not be loaded (${response.status})`);
  return /** @type {Array<{ name: string, title: string, file: string }>} */ (await response.json());
}

/**
 * Mounts the player: the Lessons menu (button + dialog) and the lesson card.
 * @param {{ menuButton: HTMLButtonElement, menu: HTMLDialogElement, menuList: HTMLElement,
 *           menuClose: HTMLButtonElement, card: HTMLElement }} parts
 * @param {import('./types.js').Ctx} ctx
 * @param {{ showPanels: (names: string[] | null) => void,
 *           lock: (names: string[] | null) => void, unlock: () => void }} page
 */
export function mountLessons(parts, ctx, page) {
  const { menuButton, menu, menuList, menuClose, card } = parts;
  /** @type {{ plans: string[], lesson: Lesson, at: number, starts: Array<{ step: number, ms: number }>,
   *           before: string[], state: string,
   *           picked: number | null, startedMs: number, end: string } | null} */
  let current = null;

  menuButton.addEventListener('click', async () => {
    if (!menuList.childElementCount) {
      try {
        for (const entry of await lessonIndex()) {
          const item = document.createElement('li');
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'btn lesson-pick';
          button.textContent = entry.title;
          button.addEventListener('click', () => { menu.close(); start(entry.file); });
          item.append(button);
          menuList.append(item);
        }
      } catch (error) {
        ctx.error(String(/** @type {any} */ (error)?.message ?? error));
        return;
      }
    }
    menu.showModal();
  });
  menuButton.disabled = false;
  menuClose.addEventListener('click', () => menu.close());

  /**
   * Starts the lesson in `file` (a name in www/lessons/).
   * @param {string} file
   */
  async function start(file) {
    const response = await fetch(`lessons/${encodeURIComponent(file)}`);
    if (!response.ok) {
      ctx.error(`The lesson "${file.slice(0, 60)}" could not be loaded (${response.status}).`);
      return false;
    }
    const text = await response.text();
    /** @type {Lesson} */
    let lesson;
    /** @type {string[]} each step's plan, what the engine's lesson calls take */
    let plans;
    try {
      // The parser is the small on-demand module's; the first module plays each step from its
      // plan.
      const parser = await loadLessonParser();
      lesson = JSON.parse(parser.lessonJson(text));
      plans = JSON.parse(parser.lessonPlans(text));
    } catch (error) {
      ctx.error(`The lesson could not be read: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return false;
    }
    if (!ctx.restart(lesson.config)) return false;
    current = { plans, lesson, at: -1, starts: [], before: [], state: 'idle', picked: null, startedMs: 0, end: '' };
    // The card drives time (play, step, the timeline are hidden); the speed and sharing stay.
    page.lock([...(lesson.controls ?? JSON.parse(ctx.bindings.actionKinds())), 'speed', 'link']);
    page.showPanels(lesson.panels);
    enter(0);
    return true;
  }

  /** Enters step `at` from the step before it: the step's setup acts are taken now. */
  function enter(at) {
    if (!current) return;
    ctx.pause();
    current.at = at;
    current.picked = null;
    const step = current.lesson.steps[at];
    if (step.config) {
      // A step with its own `cluster` line starts a fresh run; the run so far is kept as a
      // link, so Back can return to it.
      current.before[at] = ctx.linkText();
      ctx.restart(step.config);
    }
    current.starts[at] = { step: ctx.view.steps, ms: ctx.view.nowMs };
    let acts = [];
    try {
      acts = JSON.parse(ctx.playground.lessonActions(current.plans[at]));
    } catch (error) {
      ctx.error(`Lesson step ${at + 1}: ${String(/** @type {any} */ (error)?.message ?? error)}`);
    }
    for (const action of acts) ctx.actAsAuthor(action);
    current.startedMs = ctx.view.nowMs;
    current.state = step.predict ? 'predict' : step.doLabel ? 'do' : step.wait ? 'ready' : 'done';
    highlight(step);
    render();
    ctx.announce(`Lesson step ${at + 1}: ${step.title}. ${step.captions.join(' ')}`);
  }

  /** Goes back to where step `at` began (the timeline keeps the run; nothing is redone). */
  function back() {
    if (!current || current.at <= 0) return;
    const at = current.at - 1;
    const kept = current.before[current.at];
    if (kept) {
      // The step being left started a fresh run: the run before it comes back first.
      const error = ctx.tryOpenLink(kept);
      if (error) ctx.error(`Back: ${error}`);
    }
    const start = current.starts[at];
    ctx.seekMoment(start.step, start.ms);
    current.at = at;
    current.picked = null;
    current.startedMs = ctx.view.nowMs;
    const step = current.lesson.steps[at];
    current.state = step.predict ? 'predict' : step.doLabel ? 'do' : step.wait ? 'ready' : 'done';
    highlight(step);
    render();
  }

  /**
   * Plays the step's wait, a frame at a time at the lesson's pace, event by event in the
   * engine (`lessonRunWait`), so it stops at the very moment the wait first holds, exactly
   * where `raftlab run` stops.
   */
  function runWait() {
    if (!current) return;
    ctx.pause();
    current.state = 'running';
    render();
    let last = 0;
    /** @param {number} now */
    const frame = (now) => {
      if (!current || current.state !== 'running') return;
      const wall = last === 0 ? 16 : Math.min(now - last, 100);
      last = now;
      const end = runFor(Math.max(1, Math.round(wall * Math.max(ctx.speed, LESSON_SPEED))));
      if (end === 'running') requestAnimationFrame(frame);
      else finishStep(end);
    };
    requestAnimationFrame(frame);
  }

  /** Runs the wait for at most `ms` virtual ms and redraws; gives how it ended. */
  function runFor(ms) {
    if (!current) return 'held';
    let end;
    try {
      end = ctx.playground.lessonRunWait(current.plans[current.at], current.startedMs, ms);
    } catch (error) {
      ctx.error(`Lesson step ${current.at + 1}: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      end = 'timeout';
    }
    highlight(current.lesson.steps[current.at]);
    return end;
  }

  /** @param {string} [end] how the wait ended: held, timeout or frozen */
  function finishStep(end = 'held') {
    if (!current) return;
    ctx.pause();
    current.state = 'done';
    current.end = end;
    render();
  }

  // A learner doing the step's task with the page's own controls counts too.
  ctx.onAct((action) => {
    if (!current || !waitingForTask()) return;
    if (action?.kind === current.lesson.steps[current.at].doKind) runWait();
  });

  /** Whether the step waits for its task (`do`): the learner may also use the page's control. */
  function waitingForTask() {
    if (!current) return false;
    const step = current.lesson.steps[current.at];
    return Boolean(step.doLabel) && (current.state === 'do' || (current.state === 'predict' && current.picked !== null));
  }

  function doIt() {
    if (!current) return;
    let action = '';
    try {
      action = ctx.playground.lessonDoAction(current.plans[current.at]);
    } catch (error) {
      ctx.error(`Lesson step ${current.at + 1}: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return;
    }
    // Taking the action runs the wait through the onAct listener above.
    if (action) {
      if (ctx.actAsAuthor(JSON.parse(action)) && current.state !== 'running') runWait();
    } else runWait();
  }

  function exit() {
    if (!current) return;
    current = null;
    page.unlock();
    ctx.setHighlight({});
    document.body.classList.remove('lesson-timers');
    page.showPanels(null);
    card.hidden = true;
    document.body.classList.remove('in-lesson');
    card.replaceChildren();
  }

  /** @param {LessonStep} step */
  function highlight(step) {
    const nodes = [...step.highlight.nodes];
    if (step.highlight.leader && ctx.view.leader !== undefined) nodes.push(ctx.view.leader);
    const kinds = step.highlight.messages;
    const messages = ctx.view.messages.filter((m) => kinds.includes(m.kind)).map((m) => m.id);
    document.body.classList.toggle('lesson-timers', step.highlight.timers);
    ctx.setHighlight({ nodes, messages, indexes: step.highlight.indexes });
  }

  /** Draws the card for the current step and state (keyboard first: focus goes to it). */
  function render() {
    if (!current) return;
    const { lesson, at, state } = current;
    const step = lesson.steps[at];
    card.hidden = false;
    document.body.classList.add('in-lesson');
    card.replaceChildren();
    const head = el('p', 'lesson-where', `Lesson · ${lesson.title} · step ${at + 1} of ${lesson.steps.length}`);
    const title = el('h2', 'lesson-title', step.title);
    title.tabIndex = -1;
    card.append(head, title);
    for (const caption of step.captions) card.append(el('p', 'lesson-caption', caption));
    if (step.predict) {
      const group = el('fieldset', 'lesson-predict');
      group.append(el('legend', '', step.predict.question));
      step.predict.choices.forEach((choice, index) => {
        const label = el('label', 'lesson-choice');
        const radio = /** @type {HTMLInputElement} */ (document.createElement('input'));
        radio.type = 'radio';
        radio.name = 'lesson-choice';
        radio.value = String(index);
        radio.checked = current?.picked === index;
        radio.disabled = state !== 'predict';
        // Picking keeps the focus in the group (arrow keys move between choices): only the
        // button that runs the step wakes up, nothing is redrawn.
        radio.addEventListener('change', () => {
          if (!current) return;
          current.picked = index;
          const run = /** @type {HTMLButtonElement | null} */ (card.querySelector('.lesson-buttons .primary'));
          if (run) run.disabled = false;
          const said = card.querySelector('.lesson-status');
          if (said) said.textContent = 'Now run the step to see.';
        });
        label.append(radio, ` ${choice}`);
        group.append(label);
      });
      card.append(group);
      if (state === 'done' && current.picked !== null) {
        const right = current.picked === step.predict.answer;
        card.append(el('p', `lesson-reveal ${right ? 'right' : 'wrong'}`,
          `${right ? 'Yes.' : `Not quite: it is ${step.predict.choices[step.predict.answer]}.`} ${step.predict.reveal}`));
      }
    }
    const status = el('p', 'lesson-status');
    status.setAttribute('role', 'status');
    if (state === 'running') status.textContent = `Running until ${step.wait}…`;
    else if (state === 'done' && current.end === 'timeout') status.textContent = `This step waited ${step.limitMs / 1000} s of virtual time for ${step.wait}; it did not happen (tell the lesson's author).`;
    else if (state === 'done' && current.end === 'frozen') status.textContent = 'A safety monitor fired and froze the run: the Monitors tab says what broke.';
    else if (state === 'predict') status.textContent = 'Pick an answer first.';
    else if (state === 'ready') status.textContent = step.wait ? `Press Play step to run until ${step.wait}.` : '';
    card.append(status);

    const buttons = el('div', 'lesson-buttons');
    const backButton = button('◂ Back', back, at === 0 || state === 'running');
    buttons.append(backButton);
    if (state === 'predict') {
      buttons.append(step.doLabel
        ? button(step.doLabel, doIt, current.picked === null, 'primary')
        : button('Run and see', runWait, current.picked === null, 'primary'));
    }
    if (state === 'do' && step.doLabel) buttons.append(button(step.doLabel, doIt, false, 'primary'));
    if (state === 'ready') buttons.append(button('Play step', runWait, false, 'primary'));
    if (state === 'running') buttons.append(button('Skip to the end of the step', () => skip(), false));
    if (state === 'done') {
      if (at + 1 < lesson.steps.length) buttons.append(button('Next ▸', () => enter(at + 1), false, 'primary'));
      else buttons.append(button('Finish', () => summary(), false, 'primary'));
    }
    buttons.append(button('Exit lesson', exit, false));
    card.append(buttons);
    // Keyboard first: the focus stays in the card, on what to do next.
    const focus = /** @type {HTMLElement | null} */ (card.querySelector('.btn.primary:not(:disabled)')
      ?? card.querySelector('input[type=radio]:not(:disabled)') ?? title);
    if (focus && !card.contains(document.activeElement)) focus.focus();
  }

  /** Runs the rest of a waiting step at once (for the impatient and for keyboard users). */
  function skip() {
    if (!current) return;
    const step = current.lesson.steps[current.at];
    let end = 'running';
    for (let calls = 0; end === 'running' && calls < 1000; calls += 1) end = runFor(step.limitMs);
    finishStep(end);
  }

  function summary() {
    if (!current) return;
    const { lesson } = current;
    card.replaceChildren();
    const title = el('h2', 'lesson-title', `${lesson.title}: done`);
    card.append(title, el('p', 'lesson-caption', lesson.summary));
    const buttons = el('div', 'lesson-buttons');
    buttons.append(button('Try it yourself', () => exit(), false, 'primary'));
    card.append(buttons);
    /** @type {HTMLElement | null} */ (buttons.querySelector('button'))?.focus();
  }

  return { start, exit, get active() { return current !== null; } };
}

/** @param {string} tag @param {string} className @param {string} [text] */
function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** @param {string} text @param {() => void} onClick @param {boolean} disabled @param {string} [kind] */
function button(text, onClick, disabled, kind = '') {
  const element = /** @type {HTMLButtonElement} */ (el('button', `btn small ${kind}`.trim(), text));
  element.type = 'button';
  element.disabled = disabled;
  element.addEventListener('click', onClick);
  return element;
}

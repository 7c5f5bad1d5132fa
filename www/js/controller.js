// The page's controller: owns the wasm Playground, the clock (animation loop), the selection
// and the error banner. Views never change the run themselves: they call the context's `act`,
// `sendConsole` or `select`, and the controller asks the engine for a new view model and hands
// it to every view's `render`. No Raft logic lives here or in any view.

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Ctx} Ctx */
/** @typedef {import('./types.js').ViewModule} ViewModule */

/** Speeds are 10^x for the slider's x: 0.01x .. 1000x. */
export const SPEED_MIN_LOG = -2;
export const SPEED_MAX_LOG = 3;
/** The default speed: slow enough to watch single messages cross a link. */
export const SPEED_DEFAULT = 0.2;
/** Wall ms of engine work one frame may spend at most, so a fast speed never freezes the page:
 * at high speeds each frame runs the engine in slices until this budget is spent. */
const FRAME_ENGINE_BUDGET_MS = 10;
/** Virtual ms one engine call covers at most (a slice of a fast frame). */
const SLICE_VIRTUAL_MS = 250;
/** A frame that took longer than this (wall ms) is not counted as playing time (tab hidden). */
const FRAME_WALL_MS_MAX = 250;
/**
 * While playing, the view carries the state hash at most this often (wall ms): computing it
 * re-hashes the KV history of every node that applied an entry (milliseconds at 9 nodes), too
 * much for every frame; twice a second keeps the status bar's hash alive at a cost of about one
 * frame in thirty.
 */
const HASH_EVERY_MS = 500;

/** The page's default cluster: five voters, as in the Raft paper's figures and RaftScope. */
export const DEFAULT_CONFIG = Object.freeze({ voters: 5 });

/**
 * Formats a speed factor for people: 0.2×, 1×, 50×.
 * @param {number} speed
 */
export function speedText(speed) {
  if (speed >= 10) return `${Math.round(speed)}×`;
  if (speed >= 1) return `${Math.round(speed * 10) / 10}×`;
  return `${Number(speed.toPrecision(2))}×`;
}

/**
 * Creates the controller over the loaded bindings.
 * @param {any} bindings the wasm-bindgen module (Playground, version, ...)
 * @param {{ onError: (message: string) => void, announce: (text: string) => void,
 *           onFrame?: (view: View) => void }} hooks
 */
export function createController(bindings, hooks) {
  /** @type {any} */
  let playground;
  /** @type {Record<string, any>} */
  let config = { ...DEFAULT_CONFIG };
  /** @type {View | null} */
  let view = null;
  /** @type {ViewModule[]} */
  const views = [];
  /** @type {Array<(view: View) => void>} */
  const listeners = [];
  /** @type {Array<() => void>} */
  const actListeners = [];
  /** @param {object} action */
  const acted = (action) => { for (const listener of actListeners) listener(action); };
  /** Usable controls (null: all); see `ctx.setAllowed`. */
  /** @type {Set<string> | null} */
  let allowed = null;
  let lockedBy = 'this page';
  /** @param {unknown} name */
  const refuse = (name) => {
    report(`The "${String(name).slice(0, 40)}" control is locked by ${lockedBy}.`);
    return false;
  };
  /** @type {Array<(message: string) => void>} */
  const errorListeners = [];
  /** @type {((message: string) => void) | null} */
  let capture = null;
  /** Shows `message` in the banner (or hands it to a capture) and tells the error listeners. */
  function report(message) {
    if (capture) {
      capture(message);
      return;
    }
    hooks.onError(message);
    for (const listener of errorListeners) listener(message);
  }
  let playing = false;
  let speed = SPEED_DEFAULT;
  /** Virtual ms owed to the engine below 1 ms (advanceMs takes whole ms). */
  let owedMs = 0;
  let lastFrame = 0;
  let frameRequested = false;
  /** @type {{ node?: number, message?: number }} */
  let selection = {};
  /** What a fired monitor (or a lesson) points at: drawn highlighted by the ring, logs, diagram. */
  /** @type {{ nodes: number[], messages: number[], indexes: number[] }} */
  let highlight = { nodes: [], messages: [], indexes: [] };

  /**
   * Runs `change` on the engine, then redraws. A refusal (a JS error from the engine) shows in
   * the banner, changes nothing and gives false; otherwise the change's own answer, or true.
   * @param {() => any} change
   */
  function attempt(change) {
    let answer;
    try {
      answer = change();
    } catch (error) {
      report(errorText(error));
      return false;
    }
    refresh();
    return answer ?? true;
  }

  /** An accepted user action also tells the act listeners (the first-visit hint). */
  function userAction(change, action) {
    const taken = attempt(change);
    if (taken) acted(action);
    return taken;
  }

  /** @type {Ctx} */
  const ctx = {
    get view() { return /** @type {View} */ (view); },
    /** The state hash now (the view leaves it out while playing; see `readView`). */
    stateHash() { return view?.stateHash || playground.hash(); },
    get playground() { return playground; },
    get config() { return { ...config }; },
    get selection() { return selection; },
    get highlight() { return highlight; },
    setHighlight(next) {
      highlight = { nodes: [], messages: [], indexes: [], ...next };
      refresh();
    },
    /** Goes to virtual time `ms` (back or forward) through the timeline's checkpoints. */
    seek(ms) {
      setPlaying(false);
      return attempt(() => { playground.seekMs(Math.max(0, Math.floor(ms))); });
    },
    /** Goes exactly one event back (the recorded future stays); false at the start. */
    stepBack() {
      setPlaying(false);
      return attempt(() => playground.stepBack());
    },
    /** Goes to the moment after exactly `n` events (back or forward). */
    seekStep(n) {
      setPlaying(false);
      return attempt(() => { playground.seekStep(Math.max(0, Math.floor(n))); });
    },
    /** Goes to the exact moment (`step` events done, clock at `ms`) of the recorded run. */
    seekMoment(step, ms) {
      setPlaying(false);
      return attempt(() => playground.seekMoment(Math.max(0, Math.floor(step)), Math.max(0, Math.floor(ms))));
    },
    /** Goes to the moment right after trace event `id` (an event feed line) was written. */
    seekEvent(id) {
      setPlaying(false);
      return attempt(() => { playground.seekEvent(Math.max(0, Math.floor(id))); });
    },
    /** Brings back the future the last fork replaced; false when there is none. */
    undoFork() {
      setPlaying(false);
      return attempt(() => playground.undoFork());
    },
    get playing() { return playing; },
    get speed() { return speed; },
    /** The moment the pictures show: the engine's clock plus the fraction of a ms owed. */
    get displayMs() { return (view ? view.nowMs : 0) + (playing ? owedMs : 0); },
    bindings,
    act(action) {
      if (!ctx.allows(action?.kind)) return refuse(action?.kind);
      return userAction(() => { playground.apply(action); }, action);
    },
    /** An action from a host page or a lesson: the same as `act`, never locked. */
    actAsAuthor(action) {
      return userAction(() => { playground.apply(action); }, action);
    },
    sendConsole(client, node, line) {
      if (!ctx.allows('console')) return refuse('console');
      return userAction(() => { playground.console(client, node, line); }, { kind: 'console', client, node, line });
    },
    /**
     * Locks every control but `names` (Action kinds such as "crash", "console", and the page's
     * "play", "step", "timeline", "settings", "link"); null unlocks all. `why` says who locked.
     * @param {string[] | null} names
     * @param {string} [why]
     */
    setAllowed(names, why = 'this page') {
      allowed = names ? new Set(names) : null;
      lockedBy = why;
      for (const listener of listeners) listener(/** @type {View} */ (view));
    },
    /** Whether the control `name` is usable (see `setAllowed`). */
    allows(name) { return allowed === null || allowed.has(String(name)); },
    select(next) {
      selection = { ...selection, ...next };
      refresh();
    },
    error: (message) => report(message),
    /** Calls `listener` with every message the banner shows from now on. */
    onError(listener) { errorListeners.push(listener); },
    /**
     * Until the returned function is called, messages go to `listener` instead of the banner
     * (a host page's request answered with its error, not a banner in someone else's page).
     */
    captureErrors(listener) {
      capture = listener;
      return () => { capture = null; };
    },
    announce: (text) => hooks.announce(text),
    refresh: () => refresh(),
    restart(nextConfig) {
      let created;
      try {
        created = new bindings.Playground(JSON.stringify(nextConfig));
      } catch (error) {
        report(errorText(error));
        return false;
      }
      adopt(created, nextConfig);
      return true;
    },
    /** The whole run, shown at the current moment, as a link text (docs/scenario-format.md). */
    linkText() { return playground.link(); },
    /**
     * Replaces the run with one opened from a link text (alone, after `#run=`, or in a whole
     * page address): replayed to the linked moment, its state hash checked, paused there. A
     * cut, damaged, newer or differing link shows why in the banner and changes nothing;
     * gives whether it opened.
     * @param {string} text
     */
    openLink(text) {
      const error = ctx.tryOpenLink(text);
      if (error) report(`${error} Your current run is unchanged.`);
      return !error;
    },
    /** `openLink` without the banner: the refusal in words, or '' when it opened. */
    tryOpenLink(text) {
      return ctx.tryOpenRun(() => bindings.Playground.fromLink(text));
    },
    /** Makes the Playground `make` gives the run (paused); its refusal in words, or ''. */
    tryOpenRun(make) {
      let opened;
      try {
        opened = make();
      } catch (error) {
        return errorText(error);
      }
      setPlaying(false);
      adopt(opened, parseConfig(opened.configJson()));
      return '';
    },
    play() { setPlaying(true); },
    pause() { setPlaying(false); },
    togglePlay() { setPlaying(!playing); },
    step() {
      setPlaying(false);
      return attempt(() => playground.stepEvent());
    },
    setSpeed(next) {
      speed = Math.min(10 ** SPEED_MAX_LOG, Math.max(10 ** SPEED_MIN_LOG, next));
      for (const listener of listeners) listener(/** @type {View} */ (view));
    },
    advance(ms) {
      const end = playground.advanceMs(Math.max(0, Math.floor(ms)));
      refresh();
      return end;
    },
    onChange(listener) { listeners.push(listener); },
    onAct(listener) { actListeners.push(listener); },
  };

  /** Makes `next` the run (freeing the old one) with `nextConfig` as its settings. */
  function adopt(next, nextConfig) {
    playground?.free?.();
    playground = next;
    config = { ...nextConfig };
    selection = {};
    highlight = { nodes: [], messages: [], indexes: [] };
    owedMs = 0;
    refresh();
  }

  function setPlaying(next) {
    if (next && view && !view.monitor.ok) {
      report('A safety monitor fired and froze this run: restart it from Settings to go on.');
      next = false;
    }
    const was = playing;
    playing = next;
    owedMs = 0;
    lastFrame = 0;
    // Paused again: read the view anew, with its state hash (left out while playing).
    if (was && !playing) refresh();
    else for (const listener of listeners) listener(/** @type {View} */ (view));
    if (playing) requestFrame();
  }

  /**
   * Each node's log and KV view as last read, by node id, for `readView` (reset with the
   * playground they came from).
   */
  let kept = { from: /** @type {any} */ (null), logs: new Map(), kv: new Map() };
  /** When the view last carried the state hash (`performance.now()`). */
  let hashedAt = -Infinity;

  /**
   * The view model now. It is read with `viewChanges`: a node whose log window or KV state did
   * not change since the last read comes back as `{ node, same: true }` and the object read
   * before takes its place, so most frames neither copy nor parse most of the view (at 9 nodes
   * about two thirds of it). The result is the same object `view()` gives, except that while
   * playing `stateHash` is empty in all but one frame every `HASH_EVERY_MS`; `ctx.stateHash()`
   * computes it when it is needed.
   * @returns {View}
   */
  function readView() {
    if (kept.from !== playground) kept = { from: playground, logs: new Map(), kv: new Map() };
    const now = performance.now();
    const withHash = !playing || now - hashedAt >= HASH_EVERY_MS;
    if (withHash) hashedAt = now;
    const next = playground.viewChanges(withHash);
    for (const list of /** @type {const} */ (['logs', 'kv'])) {
      const items = next[list];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (item.same !== true) { kept[list].set(item.node, item); continue; }
        const before = kept[list].get(item.node);
        // Not kept here (cannot happen while this is the only reader): read it whole.
        if (before === undefined) return wholeView();
        items[i] = before;
      }
    }
    return next;
  }

  /** The whole view model, read anew; what `readView` keeps starts again from it. */
  function wholeView() {
    // The engine then counts this moment's items as sent, as they now are.
    playground.viewChanges(false);
    const whole = playground.view();
    kept = {
      from: playground,
      logs: new Map(whole.logs.map((item) => [item.node, item])),
      kv: new Map(whole.kv.map((item) => [item.node, item])),
    };
    return whole;
  }

  function refresh() {
    view = readView();
    for (const module of views) {
      try {
        module.render(/** @type {View} */ (view));
      } catch (error) {
        // A view bug must not stop the run or the other views.
        console.error(error);
      }
    }
    for (const listener of listeners) listener(/** @type {View} */ (view));
    hooks.onFrame?.(/** @type {View} */ (view));
  }

  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(frame);
  }

  /** @param {number} now */
  function frame(now) {
    frameRequested = false;
    if (!playing) return;
    const wall = lastFrame === 0 ? 0 : Math.min(now - lastFrame, FRAME_WALL_MS_MAX);
    lastFrame = now;
    owedMs += wall * speed;
    if (owedMs >= 1) {
      // Run the owed virtual time in slices until it is paid or the frame's budget is spent;
      // what the engine could not run in time is forgiven, not carried (no growing backlog:
      // "fast" means as fast as the engine goes).
      const started = performance.now();
      while (owedMs >= 1 && playing) {
        const whole = Math.min(Math.floor(owedMs), SLICE_VIRTUAL_MS);
        owedMs -= whole;
        const end = playground.advanceMs(whole);
        if (end.startsWith('stopped by a violation')) {
          playing = false;
          hooks.announce('A safety monitor fired: the run is paused at the violating event.');
        }
        if (performance.now() - started >= FRAME_ENGINE_BUDGET_MS) {
          owedMs = Math.min(owedMs, 1);
          break;
        }
      }
      refresh();
    } else {
      // Between whole ms the pictures still move (messages glide along their links).
      for (const module of views) module.tick?.(ctx.displayMs);
    }
    if (playing) requestFrame();
    else for (const listener of listeners) listener(/** @type {View} */ (view));
  }

  return {
    ctx,
    /** @param {ViewModule} module */
    addView(module) { views.push(module); },
    start(initialConfig) {
      return ctx.restart(initialConfig ?? config);
    },
  };
}

/**
 * The engine's config JSON as the settings form holds it: a seed above 2^53 stays a string.
 * @param {string} json
 */
function parseConfig(json) {
  const config = JSON.parse(json);
  const seed = Number(config.seed);
  if (Number.isSafeInteger(seed)) config.seed = seed;
  return config;
}

/** @param {unknown} error */
export function errorText(error) {
  const text = String(error && /** @type {any} */ (error).message || error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

// JSDoc types of the view model (docs/view-model.md) and of the controller's context.
// Type definitions only: nothing runs here.

/**
 * @typedef {object} PeerProgress
 * @property {number} peer
 * @property {number} matchIndex
 * @property {number} nextIndex
 * @property {string} state
 * @property {number} inflight
 * @property {boolean} recentActive
 * @property {boolean} learner
 * @property {number} pendingSnapshot
 */

/**
 * @typedef {object} Node
 * @property {number} id
 * @property {string} name
 * @property {string} peerUrl
 * @property {string} clientUrl
 * @property {boolean} crashed
 * @property {boolean} paused
 * @property {string} [role]
 * @property {number} term
 * @property {number} [vote]
 * @property {number} [leader]
 * @property {number} [commit]
 * @property {number} applied
 * @property {number} lastIndex
 * @property {number} snapshotIndex
 * @property {number} [electionElapsedTicks]
 * @property {number} [electionTimeoutTicks]
 * @property {number[]} votesGranted
 * @property {number[]} votesRejected
 * @property {boolean} learner
 * @property {number[]} voters
 * @property {number[]} learners
 * @property {PeerProgress[]} progress
 */

/**
 * @typedef {object} Link
 * @property {number} from
 * @property {number} to
 * @property {boolean} up
 * @property {number} latencyMsMin
 * @property {number} latencyMsMax
 * @property {number} lossPpm
 * @property {number} duplicatePpm
 * @property {boolean} custom
 */

/**
 * @typedef {object} Message
 * @property {number} id
 * @property {number} from
 * @property {number} to
 * @property {string} kind
 * @property {boolean} response
 * @property {boolean} reject
 * @property {number} term
 * @property {number} entries
 * @property {string} summary
 * @property {number} sentMs
 * @property {number} dueMs
 * @property {boolean} held
 */

/**
 * @typedef {object} LogEntry
 * @property {number} index
 * @property {number} term
 * @property {string} kind
 * @property {string} command
 * @property {number} [op]
 * @property {boolean} committed
 * @property {boolean} applied
 */

/**
 * @typedef {object} Log
 * @property {number} node
 * @property {number} snapshotIndex
 * @property {number} firstIndex
 * @property {number} lastIndex
 * @property {number} [commit]
 * @property {number} applied
 * @property {LogEntry[]} entries
 */

/**
 * @typedef {object} Key
 * @property {string} key
 * @property {string} value
 * @property {number} createRevision
 * @property {number} modRevision
 * @property {number} version
 * @property {string} [lease]
 */

/**
 * @typedef {object} Kv
 * @property {number} node
 * @property {number} applied
 * @property {number} revision
 * @property {number} compactRevision
 * @property {number} keyCount
 * @property {Key[]} keys
 * @property {boolean} truncated
 */

/**
 * @typedef {object} Op
 * @property {number} id
 * @property {number} node
 * @property {string} line
 * @property {string} state
 * @property {number} callMs
 * @property {number} [returnMs]
 * @property {string} output
 * @property {boolean} ok
 */

/**
 * @typedef {object} Client
 * @property {number} client
 * @property {number} pending
 * @property {Op[]} ops
 */

/**
 * @typedef {object} Event
 * @property {number} id
 * @property {number} atMs
 * @property {string} kind
 * @property {number} [node]
 * @property {string} text
 */

/**
 * @typedef {object} Violation
 * @property {number} [number]
 * @property {string} invariant
 * @property {string} kind
 * @property {number[]} nodes
 * @property {number} atMs
 * @property {string} evidence
 * @property {string} explanation
 */

/**
 * @typedef {object} Monitor
 * @property {boolean} ok
 * @property {Violation} [violation]
 */

/**
 * @typedef {object} View
 * @property {number} nowMs
 * @property {number} steps
 * @property {number} [nextEventMs]
 * @property {string} stateHash
 * @property {number} tickMs
 * @property {number} [leader]
 * @property {Node[]} nodes
 * @property {Link[]} links
 * @property {Message[]} messages
 * @property {Log[]} logs
 * @property {Kv[]} kv
 * @property {Client[]} clients
 * @property {Event[]} events
 * @property {Monitor} monitor
 */

/**
 * The controller's context, handed to every view's `mount`.
 * @typedef {object} Ctx
 * @property {View} view the newest view model (while playing, its `stateHash` is empty but
 *   twice a second)
 * @property {() => string} stateHash the state hash now, computed when the view left it out
 * @property {any} playground the wasm Playground (read-only calls such as etcdCommand)
 * @property {Record<string, any>} config the run's config (SimConfig fields, snake_case)
 * @property {{ node?: number, message?: number }} selection
 * @property {{ nodes: number[], messages: number[], indexes: number[] }} highlight what a fired
 *   monitor (or a lesson) points at; the ring, logs and diagram draw it highlighted
 * @property {(next: { nodes?: number[], messages?: number[], indexes?: number[] }) => void} setHighlight
 * @property {(ms: number) => boolean} seek goes to virtual time `ms`, back or forward (pauses)
 * @property {boolean} playing
 * @property {number} speed
 * @property {number} displayMs virtual time the pictures show (engine clock + owed fraction)
 * @property {any} bindings the wasm-bindgen module
 * @property {(action: object) => boolean} act applies an Action; false (and a banner) when refused
 * @property {(action: object) => boolean} actAsAuthor `act` for a host page or a lesson: never locked
 * @property {(client: number, node: number, line: string) => boolean} sendConsole
 * @property {(names: string[] | null, why?: string) => void} setAllowed locks every control but
 *   `names` (Action kinds, "console", "play", "step", "timeline", "settings", "link"); null: all
 * @property {(name: string) => boolean} allows whether a control is usable
 * @property {(next: { node?: number, message?: number }) => void} select
 * @property {(message: string) => void} error shows the banner
 * @property {(listener: (message: string) => void) => void} onError called with every banner message
 * @property {(listener: (message: string) => void) => () => void} captureErrors sends banner
 *   messages to `listener` instead, until the returned function is called
 * @property {(text: string) => void} announce speaks through the live region
 * @property {() => void} refresh
 * @property {(config: Record<string, any>) => boolean} restart
 * @property {() => string} linkText the run at the current moment as a share-link text
 * @property {(text: string) => boolean} openLink replaces the run with a link's (paused at its
 *   moment); a refused link shows why in the banner, changes nothing and gives false
 * @property {(text: string) => string} tryOpenLink `openLink` without the banner: the refusal
 *   in words, or '' when it opened
 * @property {(make: () => any) => string} tryOpenRun makes the Playground `make` gives the
 *   run (paused at its moment): its refusal in words, or '' when it opened
 * @property {() => void} play
 * @property {() => void} pause
 * @property {() => void} togglePlay
 * @property {() => boolean} step
 * @property {() => boolean} stepBack goes exactly one event back (pauses; the recorded future stays)
 * @property {(n: number) => boolean} seekStep goes to the moment after exactly `n` events (pauses)
 * @property {(step: number, ms: number) => boolean} seekMoment goes to the exact moment (`step`
 *   events done, clock at `ms`) of the recorded run (pauses)
 * @property {(id: number) => boolean} seekEvent goes to the moment right after trace event `id` was written (pauses)
 * @property {() => boolean} undoFork brings back the future the last fork replaced (pauses)
 * @property {(speed: number) => void} setSpeed
 * @property {(ms: number) => string} advance runs `ms` virtual ms now
 * @property {(listener: (view: View) => void) => void} onChange called after each render
 * @property {(listener: (action: any) => void) => void} onAct called with each accepted action
 */

/**
 * A view: `render` draws the view model (keyed updates, no full rebuilds); `tick`, if
 * present, moves animations between whole virtual ms.
 * @typedef {object} ViewModule
 * @property {(view: View) => void} render
 * @property {(displayMs: number) => void} [tick]
 */

export {};

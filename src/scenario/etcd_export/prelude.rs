//! The fixed part of the real-etcd script, before the run's actions: what the script is and
//! how to run it, the settings it reads from the environment, the members' URLs, the cleanup
//! trap, the helpers (`ctl`, `healthy`, `member_id`) and one `start_nI` function per member.

use super::{ETCDCTL_TIMEOUTS, PORT_BASE_VAR};
use crate::scenario::link::Scenario;
use crate::scenario::shell_text::comment;
use crate::scenario::sim_script::cluster_line;
use crate::view::MemberFlags;

/// What the script is, where it comes from, what carries over and how to run it.
pub(super) fn header(out: &mut String, scenario: &Scenario, voters: u64, actions: usize) {
    out.push_str(&format!(
        "#!/bin/sh
# A raftlab run replayed against a real etcd cluster of {voters} members on 127.0.0.1
# (made by `raftlab export-etcd` or the page's etcdScript()).
#
# The run: {settings}
# {actions} actions up to {ms}ms (step {step}); raftlab's state hash there: {hash}.
#
# What carries over: one etcd member per raftlab voter (n1..n{voters}, with the seed article's
# flags), every etcdctl console line in order, sent to its node's member; crash = kill -KILL,
# restart = the member started again on its data directory (--initial-cluster-state existing),
# pause and resume = SIGSTOP and SIGCONT. After each of these the script waits until the
# running members are healthy. What does not: virtual time (commands follow each other as
# fast as the cluster answers), which member leads (etcd elects its own leader), the
# settings above (timing, pre-vote, teaching switches, simulated disks and links), lease ids
# (etcd picks its own), and the actions marked \"not reproduced\" below, where they happened.
#
# Needs etcd and etcdctl (v3 API; Debian: apt-get install etcd-server etcd-client).
#   ETCD, ETCDCTL          the programs (default: etcd and etcdctl on PATH)
#   {PORT_BASE_VAR}      base port (default 2379): member nI serves clients on
#                          BASE + 2(I-1) and peers on BASE + 2(I-1) + 1
#   RAFTLAB_ETCD_WAIT      seconds to wait for healthy members (default 20)
#   RAFTLAB_ETCD_KEEP=1    keep the data directory and the member logs
# It prints each console line and etcd's answer, then every key and value at the end.
",
        settings = comment(&cluster_line(&scenario.config)),
        ms = scenario.cursor.ms,
        step = scenario.cursor.step,
        hash = comment(&scenario.state_hash),
    ));
    if scenario.actions.len() > actions {
        out.push_str(&format!(
            "# (The run shows a past moment: the {} recorded actions after it are left out.)\n",
            scenario.actions.len() - actions
        ));
    }
}

/// Settings read from the environment, the URLs, cleanup on exit, and the helpers.
pub(super) fn setup(out: &mut String, voters: u64) {
    let last_port_offset = 2 * voters - 1;
    out.push_str(&format!(
        r#"
set -u
ETCD=${{ETCD:-etcd}}
ETCDCTL=${{ETCDCTL:-etcdctl}}
BASE=${{{PORT_BASE_VAR}:-2379}}
WAIT_S=${{RAFTLAB_ETCD_WAIT:-20}}
case $BASE in ''|*[!0-9]*) echo "raftlab: {PORT_BASE_VAR} must be a port number, got '$BASE'" >&2; exit 2 ;; esac
case $WAIT_S in ''|*[!0-9]*) echo "raftlab: RAFTLAB_ETCD_WAIT must be a number of seconds, got '$WAIT_S'" >&2; exit 2 ;; esac
if [ "$BASE" -lt 1 ] || [ $((BASE + {last_port_offset})) -gt 65535 ]; then
  echo "raftlab: {PORT_BASE_VAR}=$BASE leaves no room for {voters} members (two ports each)" >&2; exit 2
fi
for program in "$ETCD" "$ETCDCTL"; do
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "raftlab: $program not found: install etcd (Debian: apt-get install etcd-server etcd-client) or set ETCD and ETCDCTL" >&2
    exit 2
  fi
done
export ETCDCTL_API=3
DATA=$(mktemp -d "${{TMPDIR:-/tmp}}/raftlab-etcd.XXXXXX") || exit 2
WATCHERS=
"#
    ));
    let mut cluster = Vec::new();
    for id in 1..=voters {
        let offset = 2 * (id - 1);
        out.push_str(&format!(
            "C{id}=http://127.0.0.1:$((BASE + {offset}))\nP{id}=http://127.0.0.1:$((BASE + {}))\nPID{id}=\n",
            offset + 1
        ));
        cluster.push(format!("n{id}=$P{id}"));
    }
    let pids: Vec<String> = (1..=voters).map(|id| format!("$PID{id}")).collect();
    out.push_str(&format!(
        r#"CLUSTER={cluster}

# Kills every member and watch and removes the data, whatever way the script ends. SIGKILL,
# not SIGTERM: nothing of theirs is kept, and etcd's graceful stop (handing leadership over
# to members that are stopping too) took seconds; a paused member dies of it as well.
cleanup() {{
  for pid in $WATCHERS {pids}; do
    kill -KILL "$pid" 2>/dev/null
  done
  wait
  if [ "${{RAFTLAB_ETCD_KEEP:-}}" = 1 ]; then
    echo "raftlab: data and member logs kept in $DATA" >&2
  else
    rm -rf "$DATA"
  fi
}}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' HUP TERM

ctl() {{
  "$ETCDCTL" {ETCDCTL_TIMEOUTS} "$@"
}}

# Waits until every member at the client URLs $1 answers `endpoint health` (a read that
# needs a leader), at most RAFTLAB_ETCD_WAIT seconds.
healthy() {{
  deadline=$(($(date +%s) + WAIT_S))
  until ctl --endpoints="$1" endpoint health >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "raftlab: members at $1 are not healthy after $WAIT_S s (logs: $DATA/n*.log)" >&2
      return 1
    fi
    sleep 0.2
  done
}}

# The hex id etcd gave member $1, as member list at the client URLs $2 shows it.
member_id() {{
  ctl --endpoints="$2" member list | awk -F', ' -v name="$1" '$3 == name {{ print $1 }}'
}}
"#,
        cluster = cluster.join(","),
        pids = pids.join(" "),
    ));
}

/// `start_nI STATE`: starts member `id` in the background with the seed article's flags.
pub(super) fn start_function(out: &mut String, id: u64) {
    let name = format!("n{id}");
    let data_dir = format!("\"$DATA/n{id}.etcd\"");
    let client = format!("\"$C{id}\"");
    let peer = format!("\"$P{id}\"");
    let flags = MemberFlags {
        name: &name,
        data_dir: &data_dir,
        client_url: &client,
        peer_url: &peer,
        initial_cluster: "\"$CLUSTER\"",
        cluster_state: "\"$1\"",
    };
    out.push_str(&format!(
        "\n# Starts member n{id}: $1 is new (founding the cluster) or existing (again, on its data).\nstart_n{id}() {{\n  \"$ETCD\" \\\n"
    ));
    for (flag, value) in flags.pairs() {
        out.push_str(&format!("    {flag} {value} \\\n"));
    }
    out.push_str(&format!(
        "    >>\"$DATA/n{id}.log\" 2>&1 &\n  PID{id}=$!\n}}\n"
    ));
}

//! Usage lines and help text, written like etcdctl's. The txn line is raftlab's own one-line
//! form (etcdctl reads txn from stdin, which a one-line console cannot offer).

/// `put`
pub const PUT: &str = "etcdctl put [options] <key> <value>  (options: --prev-kv --lease=ID --ignore-lease; or put <key> --ignore-value)";
/// `get`
pub const GET: &str = "etcdctl get [options] <key> [range_end]  (options: --prefix --from-key --rev=N --limit=N --keys-only --count-only --print-value-only --consistency=l|s --sort-by=KEY|CREATE|MODIFY|VALUE|VERSION --order=ASCEND|DESCEND)";
/// `del`
pub const DEL: &str =
    "etcdctl del [options] <key> [range_end]  (options: --prefix --from-key --prev-kv)";
/// `txn`
pub const TXN: &str = "etcdctl txn '<compares>' '<then ops>' ['<else ops>']  (items separated by ';', e.g. txn 'mod(\"k\") = \"5\"' 'put k v; get k' 'get k')";
/// `watch`
pub const WATCH: &str =
    "etcdctl watch [options] <key> [range_end]  (options: --prefix --rev=N --prev-kv)";
/// `compaction` (also `compact`)
pub const COMPACT: &str = "etcdctl compaction [options] <revision>  (options: --physical)";
/// `member list`
pub const MEMBER: &str = "etcdctl member list";
/// `endpoint status`
pub const ENDPOINT: &str = "etcdctl endpoint status";
/// `lease`
pub const LEASE: &str = "etcdctl lease grant <TTL> | revoke <ID> | keep-alive [--once] <ID> | timetolive <ID> [--keys] | list";
/// `version`
pub const VERSION: &str = "etcdctl version";
/// `help`
pub const HELP: &str = "etcdctl help [command]";

/// Text of `help`.
pub const OVERVIEW: &str = "\
raftlab's etcdctl console (etcd v3 API). The prefix `ETCDCTL_API=3 etcdctl` is optional.

Global options:
  --endpoints=URL|NAME   the node to talk to (a member name or its client URL)
  -w, --write-out=simple|json|fields
  --hex                  print keys and values as \\x.. bytes (simple output)

Commands:
  put <key> <value> [--prev-kv] [--lease=ID] [--ignore-lease]
  put <key> --ignore-value [--prev-kv] [--lease=ID]
  get <key> [range_end] [--prefix] [--from-key] [--rev=N] [--limit=N] [--keys-only]
      [--count-only] [--print-value-only] [--consistency=l|s] [--sort-by=T] [--order=O]
  del <key> [range_end] [--prefix] [--from-key] [--prev-kv]
  txn '<compares>' '<then ops>' ['<else ops>']
      compares: value(\"k\") = \"v\"; version(\"k\") > \"0\"; create(\"k\") != \"0\"; mod(\"k\") < \"9\"
      ops:      put k v; get k [--prefix]; del k
      example:  txn 'mod(\"k\") = \"5\"' 'put k new' 'get k'
  watch <key> [range_end] [--prefix] [--rev=N] [--prev-kv]
  compaction <revision>   (also: compact)
  lease grant <TTL> | revoke <ID> | keep-alive [--once] <ID> | timetolive <ID> [--keys] | list
  member list
  endpoint status
  version
  help [command]

Quote values with spaces: put greeting \"hello world\". Keys plus values are limited to 64 KiB.
";

/// The usage line of a command name, if it is one.
pub fn of(command: &str) -> Option<&'static str> {
    Some(match command {
        "put" => PUT,
        "get" => GET,
        "del" | "delete" => DEL,
        "txn" => TXN,
        "watch" => WATCH,
        "compaction" | "compact" => COMPACT,
        "version" => VERSION,
        "member" => MEMBER,
        "endpoint" => ENDPOINT,
        "lease" => LEASE,
        "help" => HELP,
        _ => return None,
    })
}

//! A small static file server for the playground: right MIME types (`application/wasm`),
//! no directory escapes, `index.html` for folders, and mounts at sub-paths so the dist build can
//! be tested the way GitHub Pages serves it (`/<repo>/`).

use crate::build;
use crate::proc::repo_root;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const DEFAULT_PORT: u16 = 8080;

/// A folder served under a URL prefix (which starts and ends with `/`).
#[derive(Clone, Debug)]
pub struct Mount {
    pub prefix: String,
    pub dir: PathBuf,
}

/// `cargo xtask serve [--port N] [--no-build]`.
pub fn command(rest: &[String]) -> Result<(), String> {
    let mut port = DEFAULT_PORT;
    let mut build_first = true;
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == "--no-build" {
            build_first = false;
        } else if let Some(value) = crate::flag_value(rest, &mut i, "--port") {
            let value = value?;
            port = value.parse().map_err(|_| {
                crate::usage_error(format!("--port needs a number 0-65535, got '{value}'"))
            })?;
        } else {
            return Err(crate::usage_error(format!("unknown option '{}'", rest[i])));
        }
        i += 1;
    }
    if build_first {
        build::web_and_node()?;
    } else if !build::web_pkg_dir().join("raftlab.js").is_file() {
        return Err("www/pkg/ is empty: run without --no-build first".into());
    }
    let mounts = vec![Mount {
        prefix: "/".into(),
        dir: repo_root().join("www"),
    }];
    let (addr, handles) = start(port, mounts)?;
    println!("\nraftlab playground: http://{addr}/\n(press Ctrl-C to stop)");
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}

/// Binds 127.0.0.1:`port` (0 picks a free port) and serves `mounts`: one thread accepts, one
/// thread per connection answers one request and closes it (`Connection: close`).
///
/// A hand-rolled HTTP/1.1 subset, GET and HEAD only, because the server crate used before
/// (tiny_http 0.12) left some of the first parallel requests after start-up unanswered, which
/// stalled page loads in the browser tests until the browser's own timeout.
pub fn start(
    port: u16,
    mounts: Vec<Mount>,
) -> Result<(SocketAddr, Vec<thread::JoinHandle<()>>), String> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => format!(
            "port {port} is already in use on 127.0.0.1; pick another with `cargo xtask serve --port N`"
        ),
        _ => format!("cannot listen on 127.0.0.1:{port}: {e}"),
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let mounts = Arc::new(mounts);
    let accept = thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mounts = Arc::clone(&mounts);
            thread::spawn(move || serve_connection(stream, &mounts));
        }
    });
    Ok((addr, vec![accept]))
}

/// The most bytes of a request head read (a static page's requests are far smaller).
const HEAD_MAX: usize = 16 * 1024;

/// Reads one request head, answers it and closes the connection. A client that goes away or
/// sends garbage is not our error: the connection just ends.
fn serve_connection(mut stream: TcpStream, mounts: &[Mount]) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
        if head.len() > HEAD_MAX {
            let _ = write_response(
                &mut stream,
                431,
                "text/plain; charset=utf-8",
                b"request head too large\n",
                true,
            );
            return;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let with_body = method != "HEAD";
    if method != "GET" && method != "HEAD" {
        let _ = write_response(
            &mut stream,
            405,
            "text/plain; charset=utf-8",
            b"only GET and HEAD\n",
            true,
        );
        return;
    }
    let url = target.split(['?', '#']).next().unwrap_or("/");
    let _ = match resolve(url, mounts) {
        Resolved::File(path) => match fs::read(&path) {
            Ok(bytes) => write_response(&mut stream, 200, mime_type(&path), &bytes, with_body),
            Err(_) => not_found(&mut stream, with_body),
        },
        Resolved::Redirect(location) => write!(
            stream,
            "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
        Resolved::NotFound => not_found(&mut stream, with_body),
    };
    let _ = stream.flush();
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Request Header Fields Too Large",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if with_body {
        stream.write_all(body)?;
    }
    Ok(())
}

fn not_found(stream: &mut TcpStream, with_body: bool) -> std::io::Result<()> {
    write_response(
        stream,
        404,
        "text/plain; charset=utf-8",
        b"404 not found\n",
        with_body,
    )
}

#[derive(Debug, PartialEq)]
enum Resolved {
    File(PathBuf),
    Redirect(String),
    NotFound,
}

fn resolve(url: &str, mounts: &[Mount]) -> Resolved {
    // Longest prefix first, so `/sub/raftlab/` wins over `/`.
    let mut ordered: Vec<&Mount> = mounts.iter().collect();
    ordered.sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
    for mount in ordered {
        let bare = mount.prefix.trim_end_matches('/');
        if !bare.is_empty() && url == bare {
            return Resolved::Redirect(mount.prefix.clone());
        }
        let Some(rest) = url.strip_prefix(&mount.prefix) else {
            continue;
        };
        let Some(relative) = safe_relative(rest) else {
            return Resolved::NotFound;
        };
        let path = mount.dir.join(&relative);
        if path.is_dir() {
            if !url.ends_with('/') {
                return Resolved::Redirect(format!("{url}/"));
            }
            return existing(path.join("index.html"));
        }
        return existing(path);
    }
    Resolved::NotFound
}

fn existing(path: PathBuf) -> Resolved {
    if path.is_file() {
        Resolved::File(path)
    } else {
        Resolved::NotFound
    }
}

/// Percent-decodes a URL path and refuses anything that could leave the served folder.
fn safe_relative(rest: &str) -> Option<PathBuf> {
    let decoded = percent_decode(rest)?;
    let path = Path::new(&decoded);
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(clean)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (!decoded.contains('\0') && !decoded.contains('\\')).then_some(decoded)
}

fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts(root: &Path) -> Vec<Mount> {
        vec![
            Mount {
                prefix: "/".into(),
                dir: root.join("www"),
            },
            Mount {
                prefix: "/sub/app/".into(),
                dir: root.join("dist"),
            },
        ]
    }

    #[test]
    fn refuses_escapes_and_decodes_percent() {
        assert_eq!(safe_relative("../etc/passwd"), None);
        assert_eq!(safe_relative("a/%2e%2e/%2e%2e/x"), None);
        assert_eq!(safe_relative("%zz"), None);
        assert_eq!(safe_relative("a%20b.js"), Some(PathBuf::from("a b.js")));
    }

    #[test]
    fn sub_path_without_slash_redirects() {
        let root = repo_root();
        assert_eq!(
            resolve("/sub/app", &mounts(&root)),
            Resolved::Redirect("/sub/app/".into())
        );
    }

    #[test]
    fn wasm_is_served_as_application_wasm() {
        assert_eq!(
            mime_type(Path::new("pkg/raftlab_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            mime_type(Path::new("app.js")),
            "text/javascript; charset=utf-8"
        );
    }
}

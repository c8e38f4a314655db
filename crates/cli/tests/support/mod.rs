//! Running `tempo-light devnet` (and other commands) as child processes, and talking to the
//! devnet over real HTTP and WebSocket.
#![allow(dead_code)] // each test file uses a different part

use serde_json::{json, Value};
use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

pub const BIN: &str = env!("CARGO_BIN_EXE_tempo-light");

/// A devnet child process, killed on drop.
pub struct Devnet {
    pub child: Child,
    pub port: u16,
    /// The WebSocket port, when the devnet serves WebSocket on a port of its own (`--ws-port`).
    pub ws_port: Option<u16>,
    pub identity: String,
    pub epoch_length: u64,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Devnet {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["devnet", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("devnet starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut port = 0;
        let mut ws_port = None;
        let mut identity = String::new();
        let mut epoch_length = 0;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) =
                line.strip_prefix("tempo-light devnet listening on http://127.0.0.1:")
            {
                port = rest.split_whitespace().next().unwrap().parse().unwrap();
                ws_port = rest
                    .split_once("WebSocket on ws://127.0.0.1:")
                    .map(|(_, p)| p.trim_end_matches(')').parse().unwrap());
            } else if let Some(rest) = line.strip_prefix("epoch length: ") {
                epoch_length = rest.parse().unwrap();
            } else if let Some(rest) = line.strip_prefix("genesis identity: ") {
                identity = rest.to_string();
                break;
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        assert!(port > 0 && !identity.is_empty() && epoch_length > 0);
        Self {
            child,
            port,
            ws_port,
            identity,
            epoch_length,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ws_port.unwrap_or(self.port))
    }

    /// A JSON-RPC call; returns the whole response object.
    pub fn call(&self, method: &str, params: Value) -> Value {
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let text = self.post(&body).expect("an answer");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    /// POSTs a raw body; `None` if the connection closed or timed out without an answer.
    pub fn post(&self, body: &str) -> Option<String> {
        post_raw(self.port, body, Duration::from_secs(5))
    }

    /// Waits until the tip reaches `height`.
    pub fn wait_for(&self, height: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let tip = self.call("eth_blockNumber", json!([]))["result"]
                .as_str()
                .map(|h| u64::from_str_radix(&h[2..], 16).unwrap())
                .unwrap();
            if tip >= height {
                return;
            }
            assert!(Instant::now() < deadline, "devnet did not reach {height}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The trust arguments a client needs for this devnet.
    pub fn trust_args(&self) -> Vec<String> {
        vec![
            "--identity".into(),
            self.identity.clone(),
            "--epoch-length".into(),
            self.epoch_length.to_string(),
        ]
    }
}

/// A minimal HTTP/1.1 POST over a raw socket (so a test can see a dropped or stalled answer).
pub fn post_raw(port: u16, body: &str, timeout: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    let request = format!(
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 65536];
    let deadline = Instant::now() + timeout;
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&response);
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    });
                    if length.is_some_and(|l| rest.len() >= l) {
                        return Some(rest[..length.unwrap()].to_string());
                    }
                }
            }
            Err(_) => return None,
        }
        if Instant::now() > deadline {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
}

/// Runs `tempo-light ARGS` to completion (with a deadline; output is drained as it comes).
pub fn run(args: &[String], timeout: Duration) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            let out = rx.recv().unwrap().unwrap();
            panic!(
                "tempo-light {args:?} did not finish in {timeout:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// JSON lines of a command's stdout.
pub fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// `tempo-light follow --json --rpc RPC --poll-ms 20`, trusting `devnet`, with `extra` flags,
/// run to completion within `timeout`.
pub fn follow_json(devnet: &Devnet, rpc: &str, extra: &[&str], timeout: Duration) -> Output {
    let mut args = json_command(devnet, "follow", rpc);
    args.extend(["--poll-ms".into(), "20".into()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    run(&args, timeout)
}

/// `tempo-light COMMAND --json --rpc RPC` with the trust flags of `devnet`, to extend.
pub fn json_command(devnet: &Devnet, command: &str, rpc: &str) -> Vec<String> {
    let mut args: Vec<String> = vec![command.into(), "--json".into(), "--rpc".into(), rpc.into()];
    args.extend(devnet.trust_args());
    args
}

/// Every height a `follow --json` run proved (finalized heads and authenticated header runs),
/// sorted, deduplicated.
pub fn proven_heights(lines: &[Value]) -> Vec<u64> {
    let mut heights: Vec<u64> = lines
        .iter()
        .filter(|l| l["type"] == "finalized")
        .map(|l| l["height"].as_u64().unwrap())
        .collect();
    for l in lines.iter().filter(|l| l["type"] == "headers") {
        heights.extend(
            l["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["height"].as_u64().unwrap()),
        );
    }
    heights.sort_unstable();
    heights.dedup();
    heights
}

/// Asserts that a run exited 0, showing its output when it did not.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `tempo-light ARGS` with `stdin` as its whole standard input, collecting its output.
pub fn run_with_input(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading its input: the pipe it
    // closed is its answer, not the test's failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
    child.wait_with_output().unwrap()
}

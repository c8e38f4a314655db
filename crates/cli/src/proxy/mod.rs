//! `tempo-light proxy`: a verified JSON-RPC endpoint for any wallet, language or tool.
//!
//! A follower thread (the CLI's driver, as `follow` runs it, resuming from `--state`) proves
//! final heads and publishes the light client after every advance ([`trust::Trust`]). The
//! server ([`server`], tokio and hyper, HTTP and WebSocket on one port) answers each request
//! from what the core verified ([`answer`], over [`tempo_light::serve`]), asking the upstream
//! nodes ([`upstream`]) for the bytes. Nothing here decides whether an answer is true.

mod answer;
mod cache;
mod log;
mod metrics;
mod server;
mod trust;
mod upstream;

use crate::{
    args::{RpcArgs, StateArgs, TrustArgs},
    driver::{backoff, default_rpc, state_file, DriverError, Follower, Options, Output},
    exit::Exit,
};
use answer::{Answerer, Budget, Failure};
use metrics::Metrics;
use serde_json::json;
use server::{Limits, Server};
use std::{
    net::SocketAddr,
    process::ExitCode,
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};
use tempo_light::{Classified, Event};
use trust::Trust;
use upstream::Upstreams;

/// What the proxy does with a method it cannot prove.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Refuse it with a JSON-RPC error (code 4200) saying it cannot be verified.
    Strict,
    /// Forward it to an upstream and mark the answer `"tempoLight": {"verified": false}`.
    Passthrough,
}

/// Arguments of `tempo-light proxy`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    state: StateArgs,
    /// Upstream JSON-RPC endpoint (http(s)://); repeat for several: a call goes to a healthy
    /// one, a failed call is tried on the next, one whose answer fails verification is
    /// demoted for a while. Defaults to the network's public endpoint.
    #[arg(long = "rpc", value_name = "URL")]
    rpcs: Vec<String>,
    /// Address to serve on (HTTP and WebSocket on the same port).
    #[arg(long, default_value = "127.0.0.1:8545")]
    listen: String,
    /// Allow a --listen address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// What to do with a method that cannot be verified.
    #[arg(long, value_enum, default_value_t = Policy::Strict)]
    policy: Policy,
    /// A `latest` state read is proven at most this many blocks behind the verified head
    /// (where the node cannot prove at the head itself).
    #[arg(long, default_value_t = 64)]
    max_state_lag: u64,
    /// Serve Prometheus metrics on this address (loopback unless --allow-remote).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// Log lines as text or JSON objects (standard error).
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    /// Timeout of each upstream call, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Most connections open at once.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Most requests in one batch.
    #[arg(long, default_value_t = 100)]
    max_batch: usize,
    /// Memory for the caches of verified answers, in MiB (final data is immutable: each
    /// block, proof and transaction is verified once and served from here until evicted).
    #[arg(long, default_value_t = Budget::DEFAULT_MIB)]
    cache_mib: usize,
    /// Polling interval of the follower when no new block is final, in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    Exit::Usage.into()
}

/// `addr` parsed, and refused unless loopback or `allow_remote`.
fn listen_address(addr: &str, what: &str, allow_remote: bool) -> Result<SocketAddr, String> {
    let parsed: SocketAddr = addr
        .parse()
        .map_err(|_| format!("{what} {addr} is not an IP address and port"))?;
    if !parsed.ip().is_loopback() && !allow_remote {
        return Err(format!(
            "{what} {addr} is not a loopback address: anyone who can reach it could use this \
             proxy (and its upstreams); pass --allow-remote to serve it anyway"
        ));
    }
    Ok(parsed)
}

/// `tempo-light proxy`.
pub fn run(args: Args, stop: &'static AtomicBool) -> ExitCode {
    log::set_json(args.log_format == "json");
    let network = match args.trust.network() {
        Ok(network) => network,
        Err(message) => return usage(&message),
    };
    let listen = match listen_address(&args.listen, "--listen", args.allow_remote) {
        Ok(addr) => addr,
        Err(message) => return usage(&message),
    };
    let metrics_at = match args
        .metrics
        .as_deref()
        .map(|m| listen_address(m, "--metrics", args.allow_remote))
        .transpose()
    {
        Ok(addr) => addr,
        Err(message) => return usage(&message),
    };
    let mut rpcs = args.rpcs.clone();
    if rpcs.is_empty() {
        match default_rpc(&network) {
            Some(url) => rpcs.push(url.to_string()),
            None => return usage("--rpc is required for a custom network"),
        }
    }
    if let Some(bad) = rpcs
        .iter()
        .find(|u| !u.starts_with("http://") && !u.starts_with("https://"))
    {
        return usage(&format!(
            "--rpc {bad}: the proxy asks its upstreams over http(s)://"
        ));
    }
    if args.max_batch == 0 || args.max_connections == 0 {
        return usage("--max-batch and --max-connections must be positive");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return usage(&format!("cannot start the server runtime: {e}")),
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind(listen)) {
        Ok(listener) => listener,
        Err(e) => return usage(&format!("cannot listen on {listen}: {e}")),
    };
    let bound = listener.local_addr().unwrap_or(listen);
    let metrics_listener = match metrics_at {
        Some(at) => match runtime.block_on(tokio::net::TcpListener::bind(at)) {
            Ok(l) => Some(l),
            Err(e) => return usage(&format!("cannot serve metrics on {at}: {e}")),
        },
        None => None,
    };

    let trust = Trust::new();
    let metrics = Arc::new(Metrics::default());
    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let upstreams = Upstreams::new(&rpcs, timeout);
    let server = Arc::new(Server {
        answerer: Arc::new(Answerer::new(
            Arc::clone(&trust),
            Arc::clone(&upstreams),
            args.policy,
            args.max_state_lag,
            Budget::mib(args.cache_mib),
            Arc::clone(&metrics),
        )),
        metrics: Arc::clone(&metrics),
        limits: Limits {
            max_body: 1 << 20,
            max_batch: args.max_batch,
            max_subscriptions: 16,
            max_in_flight: 64,
            max_connections: args.max_connections,
        },
        connections: Arc::new(tokio::sync::Semaphore::new(args.max_connections)),
    });

    // The URL first, on standard output (a script reads it); the rest is logged.
    println!("http://{bound}");
    log::event(
        "listening",
        &[
            ("http", json!(format!("http://{bound}"))),
            ("ws", json!(format!("ws://{bound}"))),
            ("upstreams", json!(rpcs)),
            ("policy", json!(format!("{:?}", args.policy).to_lowercase())),
        ],
    );

    let follower = {
        let (trust, metrics, state) =
            (Arc::clone(&trust), Arc::clone(&metrics), args.state.clone());
        let (rpcs, network, timeout_ms, poll_ms) =
            (rpcs.clone(), network.clone(), args.timeout_ms, args.poll_ms);
        std::thread::spawn(move || {
            follow(
                &trust, &metrics, &network, &rpcs, &state, timeout_ms, poll_ms, stop,
            )
        })
    };

    runtime.block_on(async {
        if let Some(listener) = metrics_listener {
            tokio::spawn(serve_metrics(listener, Arc::clone(&metrics), stop));
        }
        server::serve(listener, Arc::clone(&server), stop, Duration::from_secs(5)).await;
    });
    // The follower saves after every advance; it stops at the flag.
    let _ = follower.join();
    if let (Some(path), Some(client)) = (&args.state.state, trust.snapshot()) {
        if let Err(e) = state_file::save_atomically(path, &client.to_json()) {
            eprintln!("error: cannot save state to {}: {e}", path.display());
            return Exit::Usage.into();
        }
    }
    log::event("stopped", &[]);
    Exit::Success.into()
}

/// Follows finality on the upstreams, one at a time: on a failure that is not final (an
/// unavailable node, a refused answer), resumes from the last trusted client on the next
/// upstream after a pause. An equivocation (or a frozen state) ends it for good.
#[allow(clippy::too_many_arguments)]
fn follow(
    trust: &Trust,
    metrics: &Metrics,
    network: &tempo_light::Network,
    rpcs: &[String],
    state: &StateArgs,
    timeout_ms: u64,
    poll_ms: u64,
    stop: &'static AtomicBool,
) {
    let mut node = 0usize;
    let mut failures = 0u32;
    loop {
        let rpc = RpcArgs {
            rpc: Some(rpcs[node % rpcs.len()].clone()),
            http: None,
            timeout_ms,
        };
        let options = Options {
            retries: 8,
            poll_ms,
            concurrency: 8,
            state: state.state.clone(),
            from_block: None,
            every_header: false,
            until: None,
            once: false,
            start: trust.snapshot().map(|c| (*c).clone()),
        };
        let mut sink = |output: &Output| match output {
            Output::Trusted(client) => trust.publish(client),
            Output::Event(Event::Finalized { height, hash, .. }, stats) => {
                metrics.head(*height, stats.lag_ms);
                log::event(
                    "finalized",
                    &[
                        ("height", json!(height)),
                        ("hash", json!(format!("{hash:#x}"))),
                    ],
                );
            }
            Output::Event(Event::EpochTransition { epoch, rotated, .. }, _) => log::event(
                "epoch",
                &[("epoch", json!(epoch)), ("rotated", json!(rotated))],
            ),
            Output::Event(..) => {}
            Output::Note(note) => log::event("note", &[("message", json!(note))]),
        };
        let result = Follower::new(network.clone(), &rpc, options, &mut sink, stop)
            .and_then(|mut f| f.run());
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let error = match result {
            Ok(()) => return,
            Err(e) => e,
        };
        log::event(
            "follow_failed",
            &[
                ("upstream", json!(rpcs[node % rpcs.len()])),
                ("code", json!(error.code())),
                ("error", json!(error.to_string())),
            ],
        );
        if matches!(error, DriverError::Equivocation(_)) {
            trust.fail(Failure::frozen());
            return;
        }
        if let DriverError::Usage(message) = &error {
            // A state file that cannot be read or written: nothing the next node changes.
            trust.fail(Failure::of(&error));
            log::event("follow_stopped", &[("error", json!(message))]);
            return;
        }
        failures += 1;
        node += 1;
        std::thread::sleep(backoff(failures.min(8)));
    }
}

/// Prometheus text on every request to the metrics address.
async fn serve_metrics(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    stop: &'static AtomicBool,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if stop.load(std::sync::atomic::Ordering::Relaxed) { return; }
                continue;
            }
        };
        let Ok((mut stream, _)) = accepted else {
            continue;
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let mut request = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request)).await;
            let body = metrics.render();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

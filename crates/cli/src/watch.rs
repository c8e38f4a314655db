//! `tempo-light watch`: what has an address been paid, with nothing missed.
//!
//! For every final block from `--from-block` on, with no gap, the block's own certificate is
//! verified (a batch of blocks in one multi-pairing) and the core decides from its verified
//! `logsBloom` whether it may hold a TIP-20 transfer to the address
//! ([`IncomingFilter::may_pay`]); if it may, its raw transactions and receipts are fetched and
//! must rebuild the header's roots, and every transfer to the address is reported
//! ([`IncomingFilter::payments`]). A block it cannot prove either way stops it with a typed
//! error: it never skips one. Old blocks are verified under the identities the client learnt
//! while catching up ([`IdentityHistory`]), as the trust state keeps only the newest runs. With `--state`, the trust state and the cursor (the next block
//! to scan, in `<state>.watch.json`) are saved as it goes and resumed.

use crate::{
    args::{address, RpcArgs, StateArgs, TrustArgs},
    driver::{state_file::save_atomically, DriverError, Follower, Options, Output},
    exit::Exit,
    report,
};
use alloy_primitives::{Address, B256};
use serde_json::{json, Value};
use std::{
    cell::RefCell,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};
use tempo_light::{
    client::history::IdentityHistory,
    payment::{
        confirm_payment,
        incoming::{scanned_json, IncomingFilter, IncomingPayment},
        FinalAnchor, PaymentError, ProofForm,
    },
    state::tip20::format_amount,
    CertifiedBlock, Classified, Error,
};

/// Blocks whose certificates are fetched and verified as one batch.
const BATCH: u64 = 64;
/// How often a `scanned` line is printed (and the cursor saved) while scanning.
const REPORT_EVERY: Duration = Duration::from_secs(2);

/// Arguments of `tempo-light watch`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    state: StateArgs,
    /// The address whose incoming payments to report.
    #[arg(long)]
    to: String,
    /// Only transfers of this TIP-20 token (repeat for several; default: any TIP-20 token).
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// Only `TransferWithMemo` transfers with this memo: 32 bytes of hex, or text of at most
    /// 32 bytes (right-padded with zeros, as Solidity's `bytes32("...")`).
    #[arg(long)]
    memo: Option<String>,
    /// First block to scan (default: the newest final block, or the saved cursor).
    #[arg(long)]
    from_block: Option<u64>,
    /// Exit 0 once every block up to this height is scanned.
    #[arg(long)]
    until: Option<u64>,
    /// Print JSON lines (`payment`, `scanned`, `error`).
    #[arg(long)]
    json: bool,
    /// Write a payment proof (`verify-payment` re-checks it offline) per payment into this
    /// folder, named `<transaction hash>-<log index>.json`.
    #[arg(long, value_name = "DIR")]
    proof_out: Option<PathBuf>,
    /// Retries of an unavailable answer before giving up.
    #[arg(long, default_value_t = 8)]
    retries: u32,
    /// Polling interval when no new block is final yet, in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
}

/// Why watching stopped.
enum Failure {
    Driver(DriverError),
    Block(Error),
    Payment(PaymentError),
    Usage(String),
}

impl From<DriverError> for Failure {
    fn from(e: DriverError) -> Self {
        Self::Driver(e)
    }
}

impl Failure {
    fn code_and_text(&self) -> (&'static str, String) {
        match self {
            Self::Driver(e) => (e.code(), e.to_string()),
            Self::Block(e) => (e.code(), e.to_string()),
            Self::Payment(e) => (e.code(), e.to_string()),
            Self::Usage(m) => ("Usage", m.clone()),
        }
    }

    fn exit(&self) -> Exit {
        match self {
            Self::Driver(e) => Exit::of(e),
            Self::Block(e) => Exit::of(e),
            Self::Payment(e) => Exit::of(e),
            Self::Usage(_) => Exit::Usage,
        }
    }
}

/// `--memo`: 32 bytes of hex, or text of at most 32 bytes, right-padded.
fn memo_of(text: &str) -> Result<B256, String> {
    if let Some(hex) = text.strip_prefix("0x") {
        return hex
            .parse::<B256>()
            .or_else(|_| format!("0x{hex}").parse())
            .map_err(|_| format!("--memo {text}: 0x and 64 hex digits, or text"));
    }
    if text.len() > 32 {
        return Err(format!("--memo {text}: text of at most 32 bytes"));
    }
    let mut word = [0u8; 32];
    word[..text.len()].copy_from_slice(text.as_bytes());
    Ok(B256::from(word))
}

/// The cursor file beside the state file, and what it holds.
fn cursor_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".watch.json");
    PathBuf::from(name)
}

fn filter_json(filter: &IncomingFilter) -> Value {
    json!({ "to": filter.to, "tokens": filter.tokens, "memo": filter.memo })
}

/// The saved cursor for this filter, if any (a cursor of another filter is refused).
fn load_cursor(path: &Path, filter: &IncomingFilter) -> Result<Option<u64>, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::Usage(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let saved: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{} is not JSON: {e}", path.display())))?;
    if saved.get("filter") != Some(&filter_json(filter)) {
        return Err(Failure::Usage(format!(
            "{} holds the cursor of another watch ({}): use another --state",
            path.display(),
            saved.get("filter").cloned().unwrap_or(Value::Null)
        )));
    }
    saved
        .get("next")
        .and_then(Value::as_u64)
        .map(Some)
        .ok_or_else(|| Failure::Usage(format!("{} has no cursor", path.display())))
}

fn save_cursor(path: Option<&Path>, filter: &IncomingFilter, next: u64) -> Result<(), Failure> {
    let Some(path) = path else { return Ok(()) };
    let text = json!({ "filter": filter_json(filter), "next": next }).to_string();
    save_atomically(path, &text)
        .map_err(|e| Failure::Usage(format!("cannot save {}: {e}", path.display())))
}

fn print_payment(json: bool, payment: &IncomingPayment) {
    if json {
        println!("{}", payment.to_json());
    } else {
        let memo = payment
            .memo
            .map(|m| format!(" memo {m:#x}"))
            .unwrap_or_default();
        println!(
            "payment: {} of token {} from {} in block {} (transaction {:#x}, log {}){memo}",
            format_amount(payment.amount),
            payment.token,
            payment.from,
            payment.block_number,
            payment.transaction_hash,
            payment.log_index
        );
    }
}

fn print_scanned(json: bool, through: u64) {
    if json {
        println!("{}", scanned_json(through));
    } else {
        println!("scanned through block {through}");
    }
}

struct Watch<'f, 'a> {
    follower: &'f mut Follower<'a>,
    /// Identities learnt while catching up, for blocks older than the trust state keeps.
    history: &'f RefCell<IdentityHistory>,
    filter: IncomingFilter,
    json: bool,
    proof_out: Option<PathBuf>,
    cursor: Option<PathBuf>,
}

impl Watch<'_, '_> {
    /// Scans `next..=to`, all or nothing per block, in verified batches; returns the next
    /// block to scan.
    fn scan(&mut self, mut next: u64, to: u64, stop: &AtomicBool) -> Result<u64, Failure> {
        let mut reported = Instant::now();
        while next <= to && !stop.load(Ordering::Relaxed) {
            let end = to.min(next + BATCH - 1);
            let mut blocks = Vec::new();
            for height in next..=end {
                let value = self
                    .follower
                    .call("consensus_getFinalization", json!([{ "height": height }]))?;
                let block = CertifiedBlock::from_value(value).map_err(|e| {
                    Failure::Driver(DriverError::Malformed(format!(
                        "consensus_getFinalization at {height}: {e}"
                    )))
                })?;
                blocks.push(block);
            }
            let verified = self
                .history
                .borrow()
                .verify_batch(self.follower.client(), &blocks);
            for ((height, block), verified) in (next..=end).zip(&blocks).zip(verified) {
                let verified = verified.map_err(Failure::Block)?;
                if verified.height != height {
                    return Err(Failure::Driver(DriverError::Malformed(format!(
                        "asked for the finalization of block {height}, got block {}",
                        verified.height
                    ))));
                }
                if self.filter.may_pay(&verified.header.inner.logs_bloom) {
                    let contents = self.follower.block_contents(height)?;
                    let payments = self
                        .filter
                        .payments(
                            &verified.header,
                            verified.hash,
                            &contents.transactions,
                            &contents.receipts,
                        )
                        .map_err(Failure::Payment)?;
                    for payment in &payments {
                        if let Some(dir) = &self.proof_out {
                            let anchor = FinalAnchor {
                                verified: &verified,
                                certificate: &block.certificate,
                                links: &[],
                            };
                            let proof = confirm_payment(
                                &anchor,
                                payment.transaction_hash,
                                &contents.transactions,
                                &contents.receipts,
                            )
                            .map_err(Failure::Payment)?
                            .proof(ProofForm::Smallest);
                            let file = dir.join(format!(
                                "{:#x}-{}.json",
                                payment.transaction_hash, payment.log_index
                            ));
                            save_atomically(&file, &proof.to_json()).map_err(|e| {
                                Failure::Usage(format!("cannot write {}: {e}", file.display()))
                            })?;
                        }
                        print_payment(self.json, payment);
                    }
                }
                next = height + 1;
            }
            if reported.elapsed() >= REPORT_EVERY {
                print_scanned(self.json, next - 1);
                save_cursor(self.cursor.as_deref(), &self.filter, next)?;
                reported = Instant::now();
            }
        }
        Ok(next)
    }
}

fn watch(args: &Args, stop: &AtomicBool) -> Result<(), Failure> {
    let network = args.trust.network().map_err(Failure::Usage)?;
    let filter = IncomingFilter {
        to: address(&args.to, "--to").map_err(Failure::Usage)?,
        tokens: args
            .tokens
            .iter()
            .map(|t| address(t, "--token"))
            .collect::<Result<Vec<Address>, _>>()
            .map_err(Failure::Usage)?,
        memo: args
            .memo
            .as_deref()
            .map(memo_of)
            .transpose()
            .map_err(Failure::Usage)?,
    };
    if filter.tokens.len() > tempo_light::payment::incoming::MAX_WATCHED_TOKENS {
        return Err(Failure::Usage("too many --token".into()));
    }
    if let Some(dir) = &args.proof_out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let cursor = args.state.state.as_deref().map(cursor_path);
    let saved = match &cursor {
        Some(path) => load_cursor(path, &filter)?,
        None => None,
    };
    let history = RefCell::new(IdentityHistory::default());
    let mut sink = |output: &Output| match output {
        Output::Event(event, _) => history.borrow_mut().record(event),
        other => report::notes_only(other),
    };
    let mut options = Options::to_head(args.retries, args.state.state.clone());
    options.poll_ms = args.poll_ms;
    let mut follower = Follower::new(network, &args.rpc, options, &mut sink, stop)?;
    follower.run()?;
    let head_of = |f: &Follower<'_>| f.client().head().map(|h| h.height);
    let Some(first_head) = head_of(&follower) else {
        return Err(Failure::Usage("no block is final yet".into()));
    };
    let mut next = saved.or(args.from_block).unwrap_or(first_head).max(1);
    let mut watch = Watch {
        follower: &mut follower,
        history: &history,
        filter,
        json: args.json,
        proof_out: args.proof_out.clone(),
        cursor,
    };
    loop {
        let head = head_of(watch.follower).unwrap_or(0);
        let to = args.until.map_or(head, |u| u.min(head));
        if next <= to {
            next = watch.scan(next, to, stop)?;
            print_scanned(watch.json, next - 1);
            save_cursor(watch.cursor.as_deref(), &watch.filter, next)?;
        }
        if stop.load(Ordering::Relaxed) || args.until.is_some_and(|u| next > u) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(args.poll_ms.max(1)));
        // One newer finalization, if there is one (the driver verifies it).
        watch.follower.run()?;
    }
}

/// `tempo-light watch`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    match watch(&args, stop) {
        Ok(()) => Exit::Success.into(),
        Err(failure) => {
            let (code, text) = failure.code_and_text();
            if args.json {
                println!("{}", report::error_json(code, &text));
            } else {
                eprintln!("error: {text}");
            }
            failure.exit().into()
        }
    }
}

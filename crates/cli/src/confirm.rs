//! `tempo-light confirm` and `tempo-light verify-payment`: a transaction and its TIP-20
//! transfers proven final, included and executed, and the proof re-checked offline.
//!
//! `confirm` follows the chain (as `balance` does: every certificate and epoch verified), asks
//! where the transaction is (`eth_getTransactionReceipt`, only to locate its block), fetches the
//! block's finalization certificate, then its transactions and receipts as the core's
//! [`BlockQuery`] names them (the fallback where the debug namespace is off included), and lets
//! the core decide ([`tempo_light::payment`]).
//! A transaction that is not in a final block yet is *pending* (exit 7), not an error.
//!
//! Exit codes: 0 proven and as expected; 1 proven otherwise (failed, or not what was expected)
//! or refused (forged); 2 malformed; 3 usage or I/O; 5 the RPC stayed unavailable; 7 still
//! pending (after `--wait` ran out, or at once without it).

use crate::{
    args::{RpcArgs, StateArgs, TrustArgs},
    driver::{note_unknown_fields, state_file::save_atomically, DriverError, Follower, Options},
    exit::Exit,
    report,
};
use alloy_primitives::{Address, B256, U256};
use serde_json::{json, Value};
use std::{
    path::PathBuf,
    process::ExitCode,
    sync::atomic::AtomicBool,
    time::{Duration, Instant},
};
use tempo_light::{
    payment::{
        check_payment, confirm_payment, located_height, BlockContents, ConfirmedPayment,
        ExpectedPayment, FinalAnchor, PaymentError, PaymentProof, ProofForm, MAX_LINK_HEADERS,
    },
    state::tip20,
    CertifiedBlock, Classified, ErrorKind, TempoHeader,
};

/// What the payer expected (shared by both commands). `--from`, `--to`, `--amount` and
/// `--memo` need `--token`, or `--any-token` to accept a transfer of any TIP-20 token (the
/// core's rule, [`ExpectedPayment::validate`], applied before anything is asked).
#[derive(clap::Args, Clone, Debug)]
pub struct ExpectArgs {
    /// The TIP-20 token expected to move (a 0x20c0… address). Needed by --from, --to, --amount
    /// and --memo: tokens are created permissionlessly, so without it a transfer of a
    /// worthless token anyone minted would match.
    #[arg(long)]
    pub token: Option<String>,
    /// Accept a transfer of any TIP-20 token (instead of --token): says explicitly that the
    /// token does not matter.
    #[arg(long)]
    pub any_token: bool,
    /// The sender expected (the transfer's `from`).
    #[arg(long)]
    pub from: Option<String>,
    /// The recipient expected.
    #[arg(long)]
    pub to: Option<String>,
    /// The amount expected, in the token's units: `10`, `10.50` (TIP-20 tokens have 6
    /// decimals; a seventh fractional digit is refused).
    #[arg(long, conflicts_with = "amount_units")]
    pub amount: Option<String>,
    /// The amount expected, in base units (`10500000` is 10.5 tokens).
    #[arg(long)]
    pub amount_units: Option<String>,
    /// The memo expected: 32 bytes of hex, or a text of at most 32 bytes (zero-padded).
    #[arg(long)]
    pub memo: Option<String>,
}

/// Arguments of `tempo-light confirm`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The transaction hash.
    pub tx: String,
    #[command(flatten)]
    pub expect: ExpectArgs,
    /// Wait for the transaction to be final (up to --wait-ms).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in milliseconds.
    #[arg(long, default_value_t = 120_000)]
    pub wait_ms: u64,
    /// Write the PaymentProof (a self-contained JSON document) to this file.
    #[arg(long)]
    pub proof_out: Option<PathBuf>,
    /// What the proof holds: the whole block's transactions and receipts, trie proofs of the
    /// one transaction and receipt, or whichever is smaller.
    #[arg(long, default_value = "smallest", value_parser = ["smallest", "full", "trie"])]
    pub proof_form: String,
    #[command(flatten)]
    pub state: StateArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `tempo-light verify-payment`.
#[derive(clap::Args, Clone, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The PaymentProof file (`-` for standard input).
    pub file: String,
    #[command(flatten)]
    pub expect: ExpectArgs,
    /// Only accept a proof about this transaction.
    #[arg(long)]
    pub tx: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Why a command ended without proving the payment as expected.
enum Failure {
    /// Following, usage or the RPC.
    Follow(DriverError),
    /// The core refused, or the payment is not what was expected.
    Payment(PaymentError, Option<Box<ConfirmedPayment>>),
    /// Not final yet.
    Pending(String),
}

impl From<DriverError> for Failure {
    fn from(e: DriverError) -> Self {
        Self::Follow(e)
    }
}

fn usage(text: String) -> Failure {
    Failure::Follow(DriverError::Usage(text))
}

fn address(text: &str, what: &str) -> Result<Address, Failure> {
    crate::args::address(text, what).map_err(usage)
}

/// `--amount`: a number of tokens (`10`, `10.50`, `0.000001`) in base units. The decimals are
/// TIP-20's constant, [`tip20::DECIMALS`] (6), not read from state: a TIP-20 token's
/// `decimals()` is a constant of the precompile's code (`TIP20_DECIMALS` in Tempo's
/// `crates/precompiles/src/tip20`), stored in no slot, so there is no state that could prove
/// another value (the balance proof reports the same constant). Digits only, a dot between
/// digits; more fractional digits than decimals is refused, never rounded.
fn token_amount(text: &str) -> Result<U256, Failure> {
    let places = usize::from(tip20::DECIMALS);
    let bad = |why: &str| usage(format!("--amount {text}: {why}"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (text.contains('.') && !digits(fraction)) {
        return Err(bad(
            "not a number of tokens (digits, and an optional fraction: 10, 10.50)",
        ));
    }
    if fraction.len() > places {
        return Err(bad(&format!(
            "more than {places} decimals (TIP-20 tokens have {places}; --amount-units takes base units)"
        )));
    }
    U256::from_str_radix(&format!("{whole}{fraction:0<places$}"), 10).map_err(|_| bad("too large"))
}

/// `--amount-units`: a whole number of base units.
fn base_units(text: &str) -> Result<U256, Failure> {
    let bad = || {
        usage(format!(
            "--amount-units {text}: not a whole number of base units"
        ))
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    U256::from_str_radix(text, 10).map_err(|_| bad())
}

fn memo(text: &str) -> Result<B256, Failure> {
    if let Ok(word) = text.trim().parse::<B256>() {
        return Ok(word);
    }
    let bytes = text.as_bytes();
    if bytes.len() > 32 {
        return Err(usage(format!(
            "--memo is neither 32 bytes of hex nor a text of at most 32 bytes: {text}"
        )));
    }
    let mut word = [0u8; 32];
    word[..bytes.len()].copy_from_slice(bytes);
    Ok(B256::from(word))
}

impl ExpectArgs {
    /// The expectation, refused (`InvalidInput`, exit 3) by the core's rule when it expects a
    /// sender, recipient, amount or memo without `--token` or `--any-token`; `transaction` is
    /// the transaction a proof must be about (`verify-payment --tx`).
    fn parse(&self, transaction: Option<B256>) -> Result<ExpectedPayment, Failure> {
        let token = self
            .token
            .as_deref()
            .map(|t| address(t, "--token"))
            .transpose()?;
        if let Some(token) = token.filter(|t| !tip20::is_tip20_address(*t)) {
            return Err(usage(format!(
                "--token {token:#x} is not a TIP-20 token (0x20c0… addresses)"
            )));
        }
        let amount = match (&self.amount, &self.amount_units) {
            (Some(tokens), _) => Some(token_amount(tokens.trim())?),
            (None, Some(units)) => Some(base_units(units.trim())?),
            (None, None) => None,
        };
        let expected = ExpectedPayment {
            token,
            any_token: self.any_token,
            from: self
                .from
                .as_deref()
                .map(|t| address(t, "--from"))
                .transpose()?,
            to: self.to.as_deref().map(|t| address(t, "--to")).transpose()?,
            amount,
            memo: self.memo.as_deref().map(memo).transpose()?,
            transaction_hash: transaction,
        };
        expected.validate().map_err(|e| Failure::Payment(e, None))?;
        Ok(expected)
    }
}

fn tx_hash(text: &str) -> Result<B256, Failure> {
    text.trim()
        .parse()
        .map_err(|_| usage(format!("{text} is not a 32-byte transaction hash")))
}

fn malformed(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::Follow(DriverError::Malformed(format!("{what}: {e}")))
}

/// A height as a JSON-RPC quantity (`0x`-prefixed hex, no leading zeros).
fn quantity(n: u64) -> Value {
    json!(format!("{n:#x}"))
}

/// The payment as printed with `--json`.
pub fn payment_json(p: &ConfirmedPayment) -> Value {
    let transfers: Vec<Value> = p
        .transfers
        .iter()
        .map(|t| {
            json!({
                "token": format!("{:#x}", t.token),
                "from": format!("{:#x}", t.from),
                "to": format!("{:#x}", t.to),
                "amount": t.amount.to_string(),
                "formatted": tip20::format_amount(t.amount),
                "memo": t.memo.map(|m| format!("{m:#x}")),
                "logIndex": t.log_index,
            })
        })
        .collect();
    json!({
        "type": "payment",
        "transactionHash": format!("{:#x}", p.transaction_hash),
        "success": p.success,
        "height": p.height,
        "blockHash": format!("{:#x}", p.block_hash),
        "index": p.index,
        "txType": format!("{:#x}", p.tx_type),
        "gasUsed": p.gas_used,
        "transfers": transfers,
        "certifiedHeight": p.certified_height,
        "epoch": p.epoch,
        "identity": report::hex(p.identity.to_bytes()),
        "timestamp": p.timestamp_ms,
    })
}

fn print_payment(p: &ConfirmedPayment, proof: Option<&str>) {
    let status = if p.success { "succeeded" } else { "FAILED" };
    println!(
        "final: transaction {:#x} {status} in block {} (index {}, type {:#x}, {} gas)",
        p.transaction_hash,
        p.height,
        p.index,
        p.tx_type,
        p.gas_used.map_or("?".into(), |g| g.to_string())
    );
    println!("  block        {:#x}", p.block_hash);
    if p.certified_height != p.height {
        println!(
            "  certified    by block {} (linked by parent hashes)",
            p.certified_height
        );
    }
    for t in &p.transfers {
        let memo = t.memo.map(|m| format!(" memo {m:#x}")).unwrap_or_default();
        println!(
            "  transfer     {} of {:#x} from {:#x} to {:#x}{memo}",
            tip20::format_amount(t.amount),
            t.token,
            t.from,
            t.to
        );
    }
    if let Some(path) = proof {
        println!("  proof        {path}");
    }
}

struct Confirmer<'a, 'b> {
    follower: Follower<'a>,
    args: &'b Args,
    /// Header fields this version does not know, in the link headers fetched.
    unknown_header_fields: std::collections::BTreeSet<String>,
}

impl Confirmer<'_, '_> {
    /// Where the RPC says the transaction is (untrusted: only used to know which block to
    /// prove), or `None` if it does not know it yet.
    fn locate(&mut self, hash: B256) -> Result<Option<u64>, Failure> {
        let receipt = self
            .follower
            .call("eth_getTransactionReceipt", json!([format!("{hash:#x}")]))?;
        located_height(&receipt).map_err(|e| malformed("eth_getTransactionReceipt", e))
    }

    /// The block's transactions and receipts (the driver's [`Follower::block_contents`]).
    fn contents(&mut self, height: u64) -> Result<BlockContents, Failure> {
        Ok(self.follower.block_contents(height)?)
    }

    fn header(&mut self, height: u64) -> Result<TempoHeader, Failure> {
        let v = self
            .follower
            .call("eth_getBlockByNumber", json!([quantity(height), false]))?;
        if v.is_null() {
            return Err(DriverError::Unavailable(format!("block {height} not served")).into());
        }
        note_unknown_fields(&v, &mut self.unknown_header_fields);
        TempoHeader::from_value(v).map_err(|e| malformed("eth_getBlockByNumber", e))
    }

    /// The certified block proving `height` final, and the headers linking it (empty when
    /// the block's own certificate is served).
    fn certified(&mut self, height: u64) -> Result<(CertifiedBlock, Vec<TempoHeader>), Failure> {
        match self
            .follower
            .call("consensus_getFinalization", json!([{"height": height}]))
        {
            Ok(v) => {
                let block =
                    CertifiedBlock::from_value(v).map_err(|e| malformed("certificate", e))?;
                Ok((block, Vec::new()))
            }
            Err(e) if e.kind() == ErrorKind::Unavailable => {
                // The node no longer has that certificate: link the block to the newest one
                // the client has verified, its head. Not the node's `latest`: the chain may have
                // moved past the epochs the client has bridged since (and the certificate
                // would then be refused as not bridged).
                let head = self
                    .follower
                    .client()
                    .head()
                    .map_or(height, |h| h.height.max(height));
                let v = self
                    .follower
                    .call("consensus_getFinalization", json!([{ "height": head }]))?;
                let tip = CertifiedBlock::from_value(v).map_err(|e| malformed("certificate", e))?;
                let top = tip.header.number();
                if top < height || top - height > MAX_LINK_HEADERS as u64 {
                    return Err(DriverError::Unavailable(format!(
                        "no certificate for block {height} and the newest ({top}) is too far to link"
                    ))
                    .into());
                }
                let links = (height..top)
                    .map(|h| self.header(h))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((tip, links))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn confirm(&mut self, hash: B256) -> Result<(ConfirmedPayment, Option<String>), Failure> {
        let expected = self.args.expect.parse(None)?;
        let deadline = Instant::now() + Duration::from_millis(self.args.wait_ms);
        let height = loop {
            self.follower.run()?;
            let head = self.follower.client().head().map_or(0, |h| h.height);
            let why = match self.locate(hash)? {
                Some(h) if h <= head => break h,
                Some(h) => format!("in block {h}, not final yet (final head {head})"),
                None => "not in any block the RPC knows".to_string(),
            };
            if !self.args.wait || Instant::now() >= deadline {
                return Err(Failure::Pending(why));
            }
            std::thread::sleep(Duration::from_millis(250));
            if self.follower.stopped() {
                return Err(Failure::Pending(why));
            }
        };
        let (certified, links) = self.certified(height)?;
        let verified = self
            .follower
            .client()
            .verify(&certified)
            .map_err(|e| match e {
                tempo_light::Error::Decode(d) => malformed("certificate", d),
                other => Failure::Payment(PaymentError::NotFinal(Box::new(other)), None),
            })?;
        let contents = self.contents(height)?;
        let anchor = FinalAnchor {
            verified: &verified,
            certificate: &certified.certificate,
            links: &links,
        };
        let confirmation =
            confirm_payment(&anchor, hash, &contents.transactions, &contents.receipts).map_err(
                |e| {
                    match e {
                        // Link headers of a later fork: this version cannot hash them.
                        PaymentError::BrokenParentLink { .. }
                            if !self.unknown_header_fields.is_empty() =>
                        {
                            let fields = self.unknown_header_fields.iter().cloned().collect();
                            let refusal = tempo_light::VerifyError::UnsupportedHeader { fields };
                            PaymentError::NotFinal(Box::new(refusal.into()))
                        }
                        e => e,
                    }
                },
            );
        let confirmation = confirmation.map_err(|e| Failure::Payment(e, None))?;
        let mut written = None;
        if let Some(path) = &self.args.proof_out {
            let form = match self.args.proof_form.as_str() {
                "full" => ProofForm::FullBlock,
                "trie" => ProofForm::TrieProofs,
                _ => ProofForm::Smallest,
            };
            save_atomically(path, &confirmation.proof(form).to_json())
                .map_err(|e| usage(format!("cannot write the proof to {}: {e}", path.display())))?;
            written = Some(path.display().to_string());
        }
        confirmation
            .expect(&expected)
            .map_err(|e| Failure::Payment(e, Some(Box::new(confirmation.payment().clone()))))?;
        Ok((confirmation.into_payment(), written))
    }
}

fn print_outcome(
    json_out: bool,
    result: Result<(ConfirmedPayment, Option<String>), Failure>,
) -> ExitCode {
    match result {
        Ok((payment, proof)) => {
            if json_out {
                let mut v = payment_json(&payment);
                v["proof"] = json!(proof);
                println!("{v}");
            } else {
                print_payment(&payment, proof.as_deref());
            }
            Exit::Success.into()
        }
        Err(Failure::Pending(why)) => {
            if json_out {
                println!("{}", json!({"type": "pending", "reason": why}));
            } else {
                println!("pending: {why}");
            }
            Exit::Pending.into()
        }
        Err(Failure::Follow(e)) => report::driver_failure(json_out, &e).into(),
        Err(Failure::Payment(e, payment)) => {
            let exit = match &e {
                // As `verify`: 2 malformed, 6 a header this version cannot hash, else 1.
                PaymentError::NotFinal(refusal) => Exit::of_block_refusal(refusal),
                e => Exit::of(e),
            };
            if json_out {
                let mut v = report::error_json(e.code(), &e.to_string());
                if let Some(p) = &payment {
                    v["payment"] = payment_json(p);
                }
                println!("{v}");
            } else {
                if let Some(p) = &payment {
                    print_payment(p, None);
                }
                eprintln!("{}", payment_refusal_line(&e));
            }
            exit.into()
        }
    }
}

/// The one line that says why a payment is refused, with one prefix naming the kind of
/// failure, as `verify` and `follow` print theirs: `not as expected: …` for a payment proven
/// but not as expected, `malformed: …`, `not verified: …`, and `error: …` for an expectation
/// refused as usage.
fn payment_refusal_line(e: &PaymentError) -> String {
    match e {
        e if e.is_invalid_input() => format!("error: {e}"),
        // Its message already reads `malformed: …`.
        PaymentError::Decode(_) => e.to_string(),
        e if e.is_proven_otherwise() => format!("not as expected: {e}"),
        e if e.is_malformed() => format!("malformed: {e}"),
        e => format!("not verified: {e}"),
    }
}

/// `tempo-light confirm`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let json_out = args.json;
    let result = (|| {
        let network = args.trust.network().map_err(usage)?;
        let hash = tx_hash(&args.tx)?;
        // The expectation is refused before any request.
        args.expect.parse(None)?;
        let options = Options::to_head(4, args.state.state.clone());
        let mut sink = report::notes_only;
        let follower = Follower::new(network, &args.rpc, options, &mut sink, stop)?;
        let mut confirmer = Confirmer {
            follower,
            args: &args,
            unknown_header_fields: Default::default(),
        };
        confirmer.confirm(hash)
    })();
    print_outcome(json_out, result)
}

/// `tempo-light verify-payment`: re-checks a PaymentProof offline.
pub fn run_verify(args: VerifyArgs) -> ExitCode {
    let json_out = args.json;
    let result = (|| {
        let network = args.trust.network().map_err(usage)?;
        let asked = args.tx.as_deref().map(tx_hash).transpose()?;
        let expected = args.expect.parse(asked)?;
        let text = if args.file == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
            text
        } else {
            std::fs::read_to_string(&args.file)
                .map_err(|e| usage(format!("cannot read {}: {e}", args.file)))?
        };
        let proof = PaymentProof::from_json(&text).map_err(|e| Failure::Payment(e, None))?;
        let payment = tempo_light::verify_payment_proof(&network, &proof)
            .map_err(|e| Failure::Payment(e, None))?;
        check_payment(&payment, &expected)
            .map_err(|e| Failure::Payment(e, Some(Box::new(payment.clone()))))?;
        Ok((payment, None))
    })();
    print_outcome(json_out, result)
}

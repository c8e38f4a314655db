//! Crash-safe state (issue 17): `tempo-light follow --state` killed with SIGKILL at random
//! points, many of them in the middle of a save, always leaves the state file as the old state
//! or a newer one (never empty, never corrupt, its head never back, its head a block the
//! devnet really finalized), and the next run resumes from it. A file that is not a state of
//! this network is refused with a typed error and left byte for byte as it was.
//!
//! `TEMPO_LIGHT_KILL_LOOPS=N` sets the number of kills (25 by default, for CI; RELIABILITY.md
//! reports the long runs), `TEMPO_LIGHT_KILL_SEED` the seed of the kill times.
#![cfg(unix)]

mod support;

use serde_json::{json, Value};
use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};
use support::{json_lines, run, Devnet, BIN};
use tempo_light::LightClient;

/// A small deterministic generator (splitmix64): the same seed, the same kill times.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
        })
        .unwrap_or(default)
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tempo-light-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tmp_sibling(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    PathBuf::from(tmp)
}

/// The devnet's hash of block `height`.
fn block_hash(devnet: &Devnet, height: u64) -> String {
    let block = devnet.call(
        "eth_getBlockByNumber",
        json!([format!("{height:#x}"), false]),
    );
    block["result"]["hash"]
        .as_str()
        .unwrap_or_else(|| panic!("no block {height}: {block}"))
        .to_string()
}

/// Every height a `follow --json` run reported (finalized blocks and authenticated headers).
fn reported_heights(lines: &[Value]) -> Vec<u64> {
    let mut heights = Vec::new();
    for line in lines {
        if line["type"] == "finalized" {
            heights.push(line["height"].as_u64().unwrap());
        } else if line["type"] == "headers" {
            heights.extend(
                line["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["height"].as_u64().unwrap()),
            );
        }
    }
    heights
}

/// A fast chain: 5-block epochs of 20 ms blocks and a new identity every 2 epochs, so every
/// run of the follower saves many times and crosses epoch boundaries and rotations.
fn fast_devnet() -> Devnet {
    Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "20",
        "--full-dkg-every",
        "2",
    ])
}

#[test]
fn follow_killed_at_random_points_always_leaves_the_old_or_a_newer_state_and_resumes_from_it() {
    let kills = env_number("TEMPO_LIGHT_KILL_LOOPS", 25);
    let mut rng = Rng(env_number("TEMPO_LIGHT_KILL_SEED", 17));
    let devnet = fast_devnet();
    devnet.wait_for(3);
    let dir = scratch_dir("loop");
    let state = dir.join("state.json");
    let path = state.to_str().unwrap().to_string();
    let started = Instant::now();

    // The head the last kill left in the file.
    let mut last: Option<u64> = None;
    let mut heads = BTreeSet::new();
    let mut first_network: Option<tempo_light::Network> = None;
    // Runs started on a saved state (each one accepted it: a refused file ends the run before
    // the kill), those checked header by header, and kills that left a half-written sibling.
    let (mut resumes, mut resumes_checked, mut mid_save) = (0u64, 0u64, 0u64);
    let mut last_tmp = None;
    for kill in 0..kills {
        // Half the runs authenticate every header: then the first height a run reports is
        // the one right after the saved head, which shows it resumed from the file.
        let every_header = rng.next().is_multiple_of(2);
        let mut args: Vec<String> = vec![
            "follow".into(),
            "--json".into(),
            "--rpc".into(),
            devnet.url(),
            "--poll-ms".into(),
            "10".into(),
            "--state".into(),
            path.clone(),
        ];
        args.extend(devnet.trust_args());
        if every_header {
            args.push("--every-header".into());
        }
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Drain stdout as it comes (a full pipe would stall the follower, not kill it).
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            let _ = stdout.read_to_end(&mut out);
            out
        });
        // Up to 1.2 s: a run resumed on a loaded machine must have a chance to save before
        // its kill, or the chain outruns every run and the state never advances.
        std::thread::sleep(Duration::from_millis(rng.range(20, 1200)));
        let exited_early = child.try_wait().unwrap();
        if exited_early.is_none() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
        let out = reader.join().unwrap();
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        let text_out = String::from_utf8_lossy(&out);
        assert!(
            exited_early.is_none(),
            "kill {kill}: the follower stopped by itself ({exited_early:?}) before the kill\nstdout: {text_out}\nstderr: {stderr}"
        );
        let lines: Vec<Value> = text_out
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert!(
            !lines.iter().any(|l| l["type"] == "error"),
            "kill {kill}: {text_out}"
        );

        // Resumed from the last state: nothing at or before its head is reported again, and
        // with every header, the first one is right after it.
        let reported = reported_heights(&lines);
        if last.is_some() {
            resumes += 1;
        }
        if let (Some(saved), Some(first)) = (last, reported.iter().min()) {
            assert!(
                *first > saved,
                "kill {kill}: reported #{first}, at or before the saved head #{saved}"
            );
            if every_header {
                assert_eq!(
                    *first,
                    saved + 1,
                    "kill {kill}: did not resume right after the saved head"
                );
                resumes_checked += 1;
            }
        }

        // Killed between creating the sibling file and renaming it (counted once per file:
        // the next run may be killed before its first save, and leave the same one).
        if let Ok(meta) = std::fs::metadata(tmp_sibling(&state)) {
            let stamp = (meta.modified().ok(), meta.len());
            if last_tmp != Some(stamp) {
                mid_save += 1;
                last_tmp = Some(stamp);
            }
        }
        let Ok(text) = std::fs::read_to_string(&state) else {
            assert!(last.is_none(), "kill {kill}: the state file disappeared");
            continue;
        };
        assert!(!text.is_empty(), "kill {kill}: the state file is empty");
        let client = LightClient::from_json(&text)
            .unwrap_or_else(|e| panic!("kill {kill}: the state file is corrupt ({e}): {text}"));
        let network = client.state().network();
        assert_eq!(network.epoch_length().get(), devnet.epoch_length);
        let first = first_network.get_or_insert_with(|| network.clone());
        assert!(
            network.chain_id() == first.chain_id() && network.identities() == first.identities(),
            "kill {kill}: the saved network changed"
        );
        assert!(client.state().frozen().is_none());
        let head = client
            .head()
            .unwrap_or_else(|| panic!("kill {kill}: a state without a head was saved"));
        assert_eq!(
            format!("{:#x}", head.hash),
            block_hash(&devnet, head.height),
            "kill {kill}: the saved head is not the devnet's block #{}",
            head.height
        );
        if let Some(before) = last {
            assert!(
                head.height >= before,
                "kill {kill}: the saved head went back from #{before} to #{}",
                head.height
            );
        }
        heads.insert(head.height);
        last = Some(head.height);
    }

    // After the last kill, a run resumes from the file right after its head, goes on, and
    // stops cleanly on SIGTERM. (Not `--until`: that waits for the follower to be idle at the
    // tip, which a debug build on a loaded machine may never reach on a chain of 20 ms blocks.)
    let saved = last.expect("at least one state was saved");
    let target = saved + 10;
    let mut args: Vec<String> = vec![
        "follow".into(),
        "--json".into(),
        "--rpc".into(),
        devnet.url(),
        "--poll-ms".into(),
        "10".into(),
        "--state".into(),
        path.clone(),
        "--every-header".into(),
    ];
    args.extend(devnet.trust_args());
    let mut child = Command::new(BIN)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut final_lines = Vec::new();
    let mut reported = Vec::new();
    while reported.iter().all(|h| *h < target) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = lines_rx.recv_timeout(left) else {
            let _ = child.kill();
            panic!("the last run did not reach #{target} in 120 s: {final_lines:?}");
        };
        if let Ok(value) = serde_json::from_str::<Value>(&line) {
            reported.extend(reported_heights(std::slice::from_ref(&value)));
            final_lines.push(value);
        }
    }
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert!(status.success(), "after SIGTERM: {status:?}");
    assert!(
        !final_lines.iter().any(|l| l["type"] == "error"),
        "{final_lines:?}"
    );
    assert_eq!(
        reported.iter().min(),
        Some(&(saved + 1)),
        "the last run did not resume right after the saved head"
    );
    let text = std::fs::read_to_string(&state).unwrap();
    let head = LightClient::from_json(&text).unwrap().head().unwrap();
    assert!(
        head.height >= target,
        "#{} saved, #{target} reported",
        head.height
    );
    assert!(
        !tmp_sibling(&state).exists(),
        "a finished save leaves no sibling file"
    );

    assert!(
        heads.len() > 1,
        "the kills never let the state advance: {heads:?}"
    );
    println!(
        "kill loop: {kills} kills, {} distinct saved heads, 0 corrupt, {resumes} resumes ({resumes_checked} checked header by header), {mid_save} kills left a half-written .tmp beside it; head #{} after {:.1} s",
        heads.len(),
        head.height,
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Follows `devnet` once with `state`; returns (exit code, error code, stdout).
fn follow_with_state(devnet: &Devnet, state: &Path) -> (Option<i32>, Option<String>, String) {
    let mut args: Vec<String> = vec![
        "follow".into(),
        "--json".into(),
        "--rpc".into(),
        devnet.url(),
        "--poll-ms".into(),
        "20".into(),
        "--until".into(),
        "5".into(),
        "--state".into(),
        state.to_str().unwrap().into(),
    ];
    args.extend(devnet.trust_args());
    let out = run(&args, Duration::from_secs(60));
    let code = json_lines(&out)
        .iter()
        .find(|l| l["type"] == "error")
        .map(|l| l["code"].as_str().unwrap().to_string());
    (
        out.status.code(),
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn an_empty_truncated_foreign_or_other_devnets_state_file_is_refused_and_left_as_it_was() {
    // (A corrupt file and mainnet's state: tests/follow.rs.)
    let devnet = fast_devnet();
    let other = Devnet::start(&[
        "--epoch-length",
        "5",
        "--block-time-ms",
        "20",
        "--seed",
        "9",
    ]);
    let dir = scratch_dir("foreign");
    let other_state = dir.join("other.json");
    let (code, _, out) = follow_with_state(&other, &other_state);
    assert_eq!(code, Some(0), "{out}");
    let others: Vec<u8> = std::fs::read(&other_state).unwrap();
    assert!(LightClient::from_json(std::str::from_utf8(&others).unwrap()).is_ok());

    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty", Vec::new(), "corrupt"),
        ("truncated", others[..others.len() / 2].to_vec(), "corrupt"),
        (
            "other-json",
            br#"{"hello": "world", "head": 7}"#.to_vec(),
            "corrupt",
        ),
        ("not-utf8", vec![0, 159, 146, 150, 255, 10], "cannot read"),
        ("other-devnet", others, "another network"),
    ];
    for (name, bytes, says) in cases {
        let state = dir.join(format!("{name}.json"));
        std::fs::write(&state, &bytes).unwrap();
        let (code, error, out) = follow_with_state(&devnet, &state);
        assert_eq!(code, Some(3), "{name}: {out}");
        assert_eq!(error.as_deref(), Some("Usage"), "{name}: {out}");
        assert!(out.contains(says), "{name}: {out}");
        assert_eq!(
            std::fs::read(&state).unwrap(),
            bytes,
            "{name}: file changed"
        );
        assert!(!tmp_sibling(&state).exists(), "{name}: nothing was saved");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

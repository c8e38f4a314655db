//! One error taxonomy: every stable code the core's errors name (`fn code` of each error
//! type) is a member of the npm package's `ErrorCode` union (`js/index.d.ts`) and is sorted
//! into a class by `js/errors.js`, so a new refusal cannot reach JavaScript as an unknown code.
#![cfg(not(target_arch = "wasm32"))]

use std::{collections::BTreeSet, fs, path::Path};

/// The string literals inside each `fn code(&self) -> &'static str` body of `text`.
fn codes_in(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for (start, _) in text.match_indices("fn code(&self) -> &'static str {") {
        let body = &text[start..];
        let mut depth = 0usize;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let mut rest = &body[..end];
        while let Some(open) = rest.find('"') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            codes.push(after[..close].to_string());
            rest = &after[close + 1..];
        }
    }
    codes
}

#[test]
fn every_core_error_code_is_typed_and_classified_in_the_npm_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut codes = BTreeSet::new();
    for file in ["src/error.rs", "src/proof.rs", "src/payment.rs"] {
        let text = fs::read_to_string(root.join(file)).expect("the core's sources are readable");
        codes.extend(codes_in(&text));
    }
    assert!(
        codes.len() > 60,
        "found only {} codes: {codes:?}",
        codes.len()
    );
    let declarations = fs::read_to_string(root.join("js/index.d.ts")).expect("js/index.d.ts");
    let union = &declarations[declarations
        .find("export type ErrorCode")
        .expect("index.d.ts declares ErrorCode")..];
    let union = &union[..union.find(";\n").expect("the union ends")];
    let classes = fs::read_to_string(root.join("js/errors.js")).expect("js/errors.js");
    // "Malformed" is the payments' name for a decode failure, classified as malformed input.
    let untyped: Vec<&String> = codes
        .iter()
        .filter(|c| !union.contains(&format!("'{c}'")))
        .collect();
    let unclassified: Vec<&String> = codes
        .iter()
        .filter(|c| !classes.contains(&format!("'{c}'")))
        .collect();
    assert!(
        untyped.is_empty(),
        "codes missing from index.d.ts's ErrorCode: {untyped:?}"
    );
    assert!(
        unclassified.is_empty(),
        "codes js/errors.js does not classify: {unclassified:?}"
    );
    println!(
        "error codes: {} core codes, each in ErrorCode and classified by errors.js",
        codes.len()
    );
}

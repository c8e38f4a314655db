//! One error taxonomy: the core classifies every error it returns ([`ErrorKind`], through
//! [`Classified`]), and the edges derive from it. This holds the npm package to the core:
//! every stable code the core's errors name (the `classify!` table of each error type, anywhere
//! in `src/`) is a member of the package's `ErrorCode` union (`js/errors.d.ts`); every kind is
//! declared in its `ErrorKind` union and has its class in `js/errors.js`; and each of the core's
//! codes that the package raises itself in JavaScript carries the kind the core gives it.
#![cfg(not(target_arch = "wasm32"))]

use alloy_primitives::{Address, B256};
use std::{collections::BTreeSet, fs, path::Path};
use tempo_light::{
    state::state_proof::ProofError, Classified, ClientError, DecodeError, ErrorKind, VerifyError,
};

/// The codes of each `classify!` table of `text`. A table is `Type { Kind: A, B = "Code", ...; }`
/// (doc comments before it): each variant's code is the one given, or else its name; the
/// variants under `_` take their inner error's code unless one is given.
fn codes_in(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for (start, _) in text.match_indices("classify! {") {
        let invocation: Vec<&str> = text[start + "classify! {".len()..]
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        let invocation = invocation.join("\n");
        let open = invocation.find('{').expect("a classify! table");
        let table = &invocation[open + 1..];
        let table = &table[..table.find('}').expect("the table ends")];
        for group in table.split(';') {
            let Some((kind, entries)) = group.split_once(':') else {
                continue;
            };
            for entry in entries.split(',') {
                match entry.split_once('=') {
                    Some((_, code)) => codes.push(code.trim().trim_matches('"').to_string()),
                    None if kind.trim() != "_" => codes.push(entry.trim().to_string()),
                    None => {}
                }
            }
        }
    }
    codes
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn core_codes(root: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("the core's sources are readable");
        codes.extend(codes_in(&text));
    }
    codes
}

/// The text of `export type NAME = ...;` in `declarations`.
fn union<'a>(declarations: &'a str, name: &str) -> &'a str {
    let start = declarations
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("errors.d.ts declares {name}"));
    let rest = &declarations[start..];
    &rest[..rest.find(";\n").expect("the union ends")]
}

/// The `key: 'value'` entries of the object literal `const NAME = { ... };` in `text`.
fn object_entries(text: &str, name: &str) -> Vec<(String, String)> {
    let start = text
        .find(&format!("const {name} = {{"))
        .unwrap_or_else(|| panic!("errors.js declares {name}"));
    let body = &text[start..];
    let body = &body[body.find('{').expect("an object") + 1..body.find("};").expect("it ends")];
    body.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| line.split(','))
        .filter_map(|entry| {
            let (key, value) = entry.split_once(':')?;
            Some((
                key.trim().to_string(),
                value.trim().trim_matches('\'').to_string(),
            ))
        })
        .filter(|(key, _)| !key.is_empty())
        .collect()
}

#[test]
fn every_core_error_code_is_declared_in_the_npm_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let codes = core_codes(root);
    assert!(
        codes.len() > 60,
        "found only {} codes: {codes:?}",
        codes.len()
    );
    let declarations = fs::read_to_string(root.join("js/errors.d.ts")).expect("js/errors.d.ts");
    let union = union(&declarations, "ErrorCode");
    let untyped: Vec<&String> = codes
        .iter()
        .filter(|c| !union.contains(&format!("'{c}'")))
        .collect();
    assert!(
        untyped.is_empty(),
        "codes missing from errors.d.ts's ErrorCode: {untyped:?}"
    );
    println!(
        "error codes: {} core codes, each in errors.d.ts's ErrorCode",
        codes.len()
    );
}

#[test]
fn every_error_kind_is_declared_and_has_its_class_in_the_npm_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let declarations = fs::read_to_string(root.join("js/errors.d.ts")).expect("js/errors.d.ts");
    let declared = union(&declarations, "ErrorKind");
    let errors = fs::read_to_string(root.join("js/errors.js")).expect("js/errors.js");
    let classes: BTreeSet<String> = object_entries(&errors, "KIND_CLASS")
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    let names: BTreeSet<String> = ErrorKind::ALL
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    for name in &names {
        assert!(
            declared.contains(&format!("'{name}'")),
            "errors.d.ts's ErrorKind lacks '{name}'"
        );
    }
    assert_eq!(
        classes, names,
        "errors.js's KIND_CLASS must have exactly the core's kinds"
    );
    println!(
        "error kinds: {} kinds, each declared and classed",
        names.len()
    );
}

/// One error of the core for each of its codes that JavaScript raises itself.
fn sample(code: &str) -> Option<Box<dyn Classified>> {
    let address = Address::ZERO;
    Some(match code {
        "RpcError" => Box::new(DecodeError::Rpc {
            code: -32000,
            message: "x".into(),
        }),
        "InvalidHex" => Box::new(DecodeError::InvalidHex { field: "x" }),
        "InvalidJson" => Box::new(DecodeError::Json("x".into())),
        "InvalidInput" => Box::new(tempo_light::PaymentError::TokenAndAnyToken),
        "NoStateRoot" => Box::new(ProofError::NoStateRoot("x")),
        "Frozen" => Box::new(ClientError::Frozen { height: 1 }),
        "HeaderNumberMismatch" => Box::new(ClientError::HeaderNumberMismatch {
            expected: 1,
            actual: 2,
        }),
        "DigestMismatch" => Box::new(VerifyError::DigestMismatch {
            certified: B256::ZERO,
            header: B256::ZERO,
        }),
        "ProofAddressMismatch" => Box::new(ProofError::AddressMismatch {
            expected: address,
            actual: address,
        }),
        "CodeHashMismatch" => Box::new(tempo_light::serve::AskError::CodeHashMismatch(B256::ZERO)),
        "ProofMissingSlot" => Box::new(ProofError::MissingSlot {
            address,
            slot: B256::ZERO,
        }),
        _ => return None,
    })
}

#[test]
fn the_core_codes_javascript_raises_itself_carry_the_core_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let codes = core_codes(root);
    let errors = fs::read_to_string(root.join("js/errors.js")).expect("js/errors.js");
    let own = object_entries(&errors, "OWN_KIND");
    assert!(own.len() > 10, "errors.js's OWN_KIND read as {own:?}");
    let mut compared = 0;
    for (code, kind) in own.iter().filter(|(code, _)| codes.contains(code)) {
        let error = sample(code).unwrap_or_else(|| {
            panic!("errors.js raises the core's code {code}: add a sample of it to this test")
        });
        assert_eq!(error.code(), code, "the sample for {code}");
        assert_eq!(
            kind,
            error.kind().name(),
            "errors.js's kind for the core's {code}"
        );
        compared += 1;
    }
    println!("error kinds: {compared} core codes raised in JavaScript, each with the core's kind");
}

//! Replays every saved fuzz case (`core/tests/fuzz/<target>/`) through the same oracle the
//! harness uses (`slabscope_core::oracle::run_case`): every slab policy, every checker after every
//! op, "a failed op changes nothing", seek = straight execution. A case that panics or that the
//! oracle rejects fails the test. New cases come from `cargo xtask fuzz` (see `fuzz/`).

use std::path::Path;

use slabscope_core::oracle::{run_case_bytes, Target};

#[test]
fn saved_fuzz_cases_pass_the_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut count = 0;
    let mut failures = Vec::new();
    for (target, name) in Target::ALL {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else { continue };
        let mut files: Vec<_> = dir.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let input = std::fs::read(&f).expect("readable case");
            count += 1;
            match std::panic::catch_unwind(|| run_case_bytes(target, &input)) {
                Ok(Ok(())) => {}
                Ok(Err(finding)) => failures.push(format!("{}: {finding}", f.display())),
                Err(_) => failures.push(format!("{}: panicked", f.display())),
            }
        }
    }
    assert!(count >= 6, "the issue #16 regression cases are saved ({count} found)");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

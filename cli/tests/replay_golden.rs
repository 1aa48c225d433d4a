//! `slabscope replay` output on the real fixture, pinned byte for byte (issue #18, tracec): the
//! replay's summary and the `--by` tables must not change while the loader and the session are
//! made faster and smaller. The golden files were written by the replay of commit 7cf8b2b (before
//! this work), with the first line (`trace: <path>`) left out. The fixture concatenated four
//! times exercises addresses allocated again while still live (missed frees across copies).
//! One line changed since, by hand: the per-CPU fast-path heading names the active policy
//! (`slab=slub: the lockless cpu freelist`, was `SLUB lockless freelist`; issue #15, s8-contract).

use std::io::Read;
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort.perf.txt.gz");

fn replay(args: &[&str], path: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_slabscope"))
        .arg("replay")
        .arg("--quiet")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (first, rest) = stdout.split_once('\n').unwrap();
    assert_eq!(first, format!("trace: {path}"));
    rest.to_string()
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/golden/{name}.txt", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn check(prefix: &str, path: &str) {
    for (args, name) in [
        (&[][..], "summary"),
        (&["--by", "call_site"][..], "by-call_site"),
        (&["--by", "comm"][..], "by-comm"),
        (&["--by", "cache"][..], "by-cache"),
    ] {
        let got = replay(args, path);
        let want = golden(&format!("{prefix}-{name}"));
        if got != want {
            let diff = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(got.lines().count());
            panic!(
                "{prefix}-{name}: output differs from the golden file at line {}:\n got: {:?}\nwant: {:?}",
                diff + 1,
                got.lines().nth(diff),
                want.lines().nth(diff)
            );
        }
    }
}

#[test]
fn the_fixture_replays_as_before() {
    check("fixture", FIXTURE);
}

#[test]
fn the_fixture_four_times_replays_as_before() {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(FIXTURE).unwrap()).read_to_end(&mut text).unwrap();
    let dir = std::env::temp_dir().join(format!("slabscope-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fixture4.perf.txt");
    std::fs::write(&path, text.repeat(4)).unwrap();
    check("fixture4", path.to_str().unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

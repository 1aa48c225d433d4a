//! CLI hygiene and budgets (issue #16): output errors, limits, located machine conflicts, the
//! amortised `--check`.

use std::io::Write;
use std::process::{Command, Stdio};

fn slabscope(args: &[&str], stdin: &str, stdout: Stdio) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slabscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_full_disk_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let (code, err) = slabscope(&["run", "-"], "show slabinfo\n", Stdio::from(full));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error: writing output"), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // The reader goes away before the output is written: no panic, status 141.
    let mut child = Command::new(env!("CARGO_BIN_EXE_slabscope"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let _ = child.stdin.take().unwrap().write_all("repeat 3000 { show slabinfo }\n".as_bytes());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn limits_are_refused_with_the_flag_to_change_them() {
    let (code, err) = slabscope(&["run", "-"], "repeat 100000 { repeat 100000 { shrink } }\n", Stdio::null());
    assert_eq!(code, 1);
    assert!(err.contains("10000000000 is over the limit max_ops=5000000") && err.contains("--max-ops"), "{err}");
    let (code, err) = slabscope(&["run", "--max-ops", "10", "-"], "repeat 11 { shrink }\n", Stdio::null());
    assert_eq!(code, 1);
    assert!(err.contains("max_ops=10"), "{err}");
    let deep = "repeat 1 { ".repeat(10_000);
    let (code, err) = slabscope(&["run", "-"], &deep, Stdio::null());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("<stdin>:1:705: `repeat` nesting depth 65"), "{err}");
    let (code, err) = slabscope(&["run", "--max-script-bytes", "4", "-"], "show stats\n", Stdio::null());
    assert_eq!(code, 1);
    assert!(err.contains("max_script_bytes=4"), "{err}");
}

#[test]
fn machine_conflicts_name_the_setting_or_the_flag() {
    let (code, err) = slabscope(&["run", "-"], "config mem=1M\nconfig cpus=1 nodes=4\n", Stdio::null());
    assert_eq!(code, 1);
    assert!(err.starts_with("error: <stdin>:2:15: invalid machine"), "{err}");
    let (code, err) = slabscope(&["run", "--nodes", "4", "-"], "config cpus=2\n", Stdio::null());
    assert_eq!(code, 1);
    assert!(err.contains("--nodes=4 (command line): invalid machine"), "{err}");
}

#[test]
fn check_passes_a_long_clean_run_on_a_large_machine() {
    let (code, err) = slabscope(
        &["run", "--check", "--mem", "4G", "-"],
        "repeat 2000 { kmalloc 64 as=l[] }\nkfree l[*]\nrepeat 500 { shrink }\n",
        Stdio::null(),
    );
    assert_eq!(code, 0, "{err}");
}

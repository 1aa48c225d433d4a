//! `slabscope exercise`: the CLI prints what core generates, and refuses bad parameters clearly.

use std::process::Command;

fn slabscope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_slabscope")).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_names_every_kind() {
    let (code, out, _) = slabscope(&["exercise", "--list"]);
    assert_eq!(code, 0);
    for k in slabscope_core::exercise::KINDS {
        assert!(out.lines().any(|l| l.starts_with(k.id)), "{} missing from:\n{out}", k.id);
    }
}

#[test]
fn prints_the_question_and_with_answer_the_answer_identical_to_core() {
    let ex = slabscope_core::exercise::generate("buddy-pfn", 9, 2).unwrap();
    let (code, out, _) = slabscope(&["exercise", "buddy-pfn", "--seed", "9", "--level", "2"]);
    assert_eq!((code, out.as_str()), (0, ex.text_form("en", false).as_str()));
    assert!(!out.contains("Answer:"));
    let (_, out, _) = slabscope(&["exercise", "buddy-pfn", "--seed=9", "--level=2", "--answer", "--lang", "ja"]);
    assert_eq!(out, ex.text_form("ja", true));
    assert!(out.contains("答え: ") && out.contains("理由: ステップ"), "{out}");
    let right = ex.answer_text("en");
    let (_, out, _) = slabscope(&["exercise", "buddy-pfn", "--seed", "9", "--level", "2", "--grade", &right]);
    assert!(out.ends_with(&format!("correct: {right}\n")), "{out}");
    let (_, out, _) = slabscope(&["exercise", "buddy-pfn", "--seed", "9", "--level", "2", "--grade", "99999"]);
    assert!(out.contains(&format!("wrong: you answered 99999; the answer is {right}")), "{out}");
}

#[test]
fn hash_is_the_core_fingerprint() {
    let (code, out, _) = slabscope(&["exercise", "--hash"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("{:016x}", slabscope_core::exercise::fingerprint().unwrap()));
}

#[test]
fn bad_parameters_are_refused_with_a_clear_message() {
    for (args, want) in [
        (&["exercise", "slub-pth", "--seed", "1"][..], "did you mean `slub-path`"),
        (&["exercise", "buddyinfo", "--seed", "1", "--level", "4"][..], "level `4` is outside 1..=3"),
        (&["exercise", "buddyinfo", "--seed", "x"][..], "seed `x` is not a number"),
        (&["exercise", "buddyinfo"][..], "missing --seed"),
        (&["exercise", "--seed", "1"][..], "missing KIND"),
        (&["exercise", "buddyinfo", "--seed", "1", "--lang", "fr"][..], "expected en or ja"),
        (&["exercise", "buddyinfo", "--bogus"][..], "unknown option --bogus"),
    ] {
        let (code, out, err) = slabscope(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty() && err.contains(want), "{args:?}: {err}");
    }
    let (code, _, err) = slabscope(&["exercise", "buddy-pfn", "--seed", "1", "--grade", "abc"]);
    assert_eq!(code, 1);
    assert!(err.contains("answer `abc` is not a number"), "{err}");
}

#[test]
fn docs_name_every_kind_and_the_embed_parameters() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/exercises.md");
    let doc = std::fs::read_to_string(path).expect("docs/exercises.md");
    for k in slabscope_core::exercise::KINDS {
        let row = format!("| `{}` | {} | ", k.id, k.area);
        assert!(doc.contains(&row), "docs/exercises.md has no row for {}", k.id);
    }
    for p in ["embed=1&exercise=KIND&seed=N&count=K&level=L", "\"slabscope:score\"", "score", "max"] {
        assert!(doc.contains(p), "docs/exercises.md does not mention {p}");
    }
}

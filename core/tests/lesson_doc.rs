//! #14: the web app builds lessons from documents (`lesson::read_doc`, written as JSON at build
//! time, then `lesson::from_doc`): for every lesson file that gives the lesson `lesson::parse`
//! gives, and a broken file's located errors are the same through the document.

use slabscope_core::lesson::{self, LessonDoc};

fn files() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    v
}

fn through_json(name: &str, src: &str) -> Result<lesson::Lesson, Vec<lesson::LessonError>> {
    let doc = lesson::read_doc(name, src)?;
    let json = serde_json::to_string(&doc).unwrap();
    let back: LessonDoc = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc, "{name}: the document survives JSON");
    lesson::from_doc(name, &back)
}

#[test]
fn every_lesson_reads_the_same_through_its_document() {
    let files = files();
    assert!(files.len() > 10);
    for (name, src) in &files {
        assert_eq!(through_json(name, src), lesson::parse(name, src), "{name}");
    }
}

#[test]
fn located_errors_are_the_same_through_the_document() {
    let (name, good) = files().into_iter().find(|(n, _)| n.contains("buddy-split")).unwrap();
    let broken = [
        good.replace("\"pfn b == 1\"", "\"pfn b === 1\""),
        good.replacen("[[step]]", "[[step]]\npanels = [\"memry\"]", 1),
        good.replace("ja = \"バディアロケータがブロックを分割する\"", "ja = \"split\""),
    ];
    for src in &broken {
        let e = lesson::parse(&name, src).unwrap_err();
        assert!(e.iter().all(|e| e.line > 0), "{e:?}");
        assert_eq!(through_json(&name, src).unwrap_err(), e);
    }
}

/// `lessons/docs.tsv`, what the web app loads (#14: fetched next to the bundle, not in it): a
/// line per lesson file whose TOML reads, `file \t id \t document as JSON` (JSON has no raw tab
/// or newline). A lesson edit changes it: `SLABSCOPE_BLESS=1 cargo test -p slabscope-core --test
/// lesson_doc` writes it again.
#[test]
fn the_web_apps_lesson_documents_are_current() {
    let mut want = String::new();
    for (name, src) in files() {
        if let Ok(doc) = lesson::read_doc(&name, &src) {
            let json = serde_json::to_string(&doc).unwrap();
            assert!(!json.contains(['\t', '\n']));
            want.push_str(&format!("{name}\t{}\t{json}\n", doc.id.value));
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/docs.tsv");
    if std::env::var_os("SLABSCOPE_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "lessons/docs.tsv is not what the lesson files give: SLABSCOPE_BLESS=1 cargo test -p slabscope-core --test lesson_doc"
    );
}

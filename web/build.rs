//! Embed every lesson file (`lessons/*.toml`) into the app, in file-name order, as a lesson
//! document (#14): the file read by core's TOML phase (`lesson::read_doc`) and written as JSON,
//! so the bundle has no TOML parser; the app checks and builds each lesson from its document
//! (`lesson::from_doc`) when it is first needed, as it parsed the file before.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// (file name, declared id, lesson document as JSON) of every lesson file whose TOML reads.\n\
         pub const LESSON_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let text = std::fs::read_to_string(f).unwrap_or_default();
        match slabscope_core::lesson::read_doc(name, &text) {
            Ok(doc) => {
                let json = serde_json::to_string(&doc).expect("lesson documents serialize");
                out.push_str(&format!("    ({name:?}, {:?}, {json:?}),\n", doc.id.value));
            }
            // Left out, as the app left out a file that did not parse (`lessons check` and
            // `cargo test` keep that from shipping).
            Err(errors) => {
                for e in errors {
                    println!("cargo:warning=lesson left out: {e}");
                }
            }
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(dest, out).expect("write the lesson list");
}

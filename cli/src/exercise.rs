//! `slabscope exercise`: print a generated exercise (thin over `slabscope_core::exercise`).

use std::io::Write;
use std::process::ExitCode;

use slabscope_core::exercise::{self, text, KINDS};

pub const USAGE: &str = "\
EXERCISE:
    slabscope exercise --list            name the exercise kinds
    slabscope exercise --hash            the fingerprint of a fixed list of exercises (determinism)
    slabscope exercise KIND --seed N [--level L] [--answer] [--grade TEXT] [--lang en|ja] [--json]
        --level L      difficulty 1..=3 (machine size, number of ops)  [default: 1]
        --answer       also print the answer and the explanation
        --grade TEXT   grade TEXT as the student's answer (choice 1/a/id, number, row, address)
        --lang ja      Japanese text
        --json         the whole exercise as JSON";

struct Args {
    kind: Option<String>,
    seed: Option<String>,
    level: String,
    answer: bool,
    grade: Option<String>,
    lang: String,
    json: bool,
    list: bool,
    hash: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        kind: None,
        seed: None,
        level: "1".into(),
        answer: false,
        grade: None,
        lang: "en".into(),
        json: false,
        list: false,
        hash: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or_else(|| format!("{key} needs a value"));
        match key {
            "--list" => a.list = true,
            "--hash" => a.hash = true,
            "--answer" => a.answer = true,
            "--json" => a.json = true,
            "--seed" => a.seed = Some(value()?),
            "--level" => a.level = value()?,
            "--grade" => a.grade = Some(value()?),
            "--lang" => {
                a.lang = value()?;
                if a.lang != "en" && a.lang != "ja" {
                    return Err(format!("--lang {}: expected en or ja", a.lang));
                }
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => {
                if a.kind.replace(s.to_string()).is_some() {
                    return Err("more than one KIND given".into());
                }
            }
        }
    }
    Ok(a)
}

pub fn cmd(args: &[String]) -> ExitCode {
    let mut out = crate::Out::new();
    let code = run(args, &mut out);
    out.finish(code)
}

fn run(args: &[String], out: &mut crate::Out) -> ExitCode {
    let a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if a.list {
        for k in KINDS {
            let _ =
                writeln!(out, "{:<18} {:<9} {:<6} {}", k.id, k.area, k.answer.as_str(), text::word(k.title, &a.lang));
        }
        return ExitCode::SUCCESS;
    }
    if a.hash {
        return match exercise::fingerprint() {
            Ok(h) => {
                let _ = writeln!(out, "{h:016x}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let Some(kind) = a.kind else {
        eprintln!("error: missing KIND (see `slabscope exercise --list`)\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let Some(seed) = a.seed else {
        eprintln!("error: missing --seed N\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let made = exercise::parse_seed(&seed)
        .and_then(|seed| Ok((seed, exercise::parse_level(&a.level)?)))
        .and_then(|(seed, level)| exercise::generate(&kind, seed, level));
    let ex = match made {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if a.json {
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&ex).expect("exercises serialize"));
    } else {
        let _ = write!(out, "{}", ex.text_form(&a.lang, a.answer));
    }
    if let Some(t) = a.grade {
        match ex.grade_text(&t) {
            Ok(g) if g.correct => {
                let _ = writeln!(out, "correct: {}", g.given);
            }
            Ok(g) => {
                let _ = writeln!(out, "wrong: you answered {}; the answer is {}", g.given, g.expected);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

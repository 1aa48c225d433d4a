//! Core errors shown in the browser, through the i18n catalogue (English and Japanese): script
//! parse errors by their typed kind (`ScriptErrorKind`, never by matching the English text), and
//! the budgets of `core::limits` with their numbers and how to change them. Errors of a document
//! being built (`doc::BuildError`) are rendered here too.

use slabscope_core::error::{ErrorArg, ErrorMessage, OpError};
use slabscope_core::limits::LimitError;
use slabscope_core::machine::ConfigError;
use slabscope_core::script::{ScriptError, ScriptErrorKind};

use crate::doc::BuildError;
use crate::i18n::{t, tf, Lang};

/// A budget refused in the browser: what, the value the input needs, the limit, and how to
/// change it (the command line's flag; the browser runs with [`crate::doc::browser_limits`]).
pub fn limit_error(lang: Lang, e: &LimitError) -> String {
    let i = e.limit.info();
    let mut args = vec![
        ("what", t(lang, &format!("err.limit.{}", i.name))),
        ("name", i.name.to_string()),
        ("max", e.max.to_string()),
        ("flag", i.flag.to_string()),
    ];
    if e.value == u64::MAX {
        tf(lang, "err.limit_unknown", &args)
    } else {
        args.push(("value", e.value.to_string()));
        tf(lang, "err.limit", &args)
    }
}

/// A core error's message key and arguments in `lang` (phrases by `phrase.<text>`, falling back
/// to the core's English phrase).
pub fn error_message(lang: Lang, m: &ErrorMessage) -> String {
    let args: Vec<(&str, String)> = m
        .args
        .iter()
        .map(|(k, a)| {
            let v = match a {
                ErrorArg::Text(s) => s.clone(),
                ErrorArg::Phrase(p) => {
                    let key = format!("phrase.{p}");
                    let text = t(lang, &key);
                    if text == key {
                        p.to_string()
                    } else {
                        text
                    }
                }
            };
            (*k, v)
        })
        .collect();
    tf(lang, m.key, &args)
}

/// A refused op in `lang`.
pub fn op_error(lang: Lang, e: &OpError) -> String {
    error_message(lang, &e.message())
}

/// An impossible machine configuration in `lang`.
pub fn config_error(lang: Lang, e: &ConfigError) -> String {
    error_message(lang, &e.message())
}

/// What went wrong, without the position.
pub fn script_error_kind(lang: Lang, kind: &ScriptErrorKind) -> String {
    use ScriptErrorKind::*;
    let s = |v: &str| v.to_string();
    match kind {
        UnknownCommand { found } => {
            let list = slabscope_core::lang::vocab::COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ");
            tf(lang, "err.unknown_command", &[("found", s(found)), ("list", list)])
        }
        Expected { expected, found } => tf(lang, "err.expected", &[("expected", s(expected)), ("found", s(found))]),
        UnknownKey { key, command } => tf(lang, "err.unknown_key", &[("key", s(key)), ("command", s(command))]),
        MissingKey { key, command } => tf(lang, "err.missing_key", &[("key", s(key)), ("command", s(command))]),
        DuplicateKey { key } => tf(lang, "err.duplicate_key", &[("key", s(key))]),
        BadValue { key, value, expected } => {
            tf(lang, "err.bad_value", &[("key", s(key)), ("value", s(value)), ("expected", s(expected))])
        }
        ConfigAfterOps => t(lang, "err.config_after_ops"),
        Unbalanced => t(lang, "err.unbalanced"),
        Limit(e) => limit_error(lang, e),
        Config(e) => tf(lang, "err.invalid_machine", &[("what", config_error(lang, e))]),
        FlagConfig { flag, error } => {
            tf(lang, "err.flag_config", &[("flag", s(flag)), ("what", config_error(lang, error))])
        }
        Op(e) => op_error(lang, e),
        // A kind added later keeps the core's sentence until it gets a key.
        other => other.to_string(),
    }
}

fn with_suggestion(lang: Lang, what: String, e: &ScriptError) -> String {
    match &e.suggestion {
        Some(sug) => tf(lang, "err.did_you_mean", &[("what", what), ("s", sug.clone())]),
        None => what,
    }
}

/// A located script error: `line:col: message` (`1 行 2 列：…` in Japanese).
pub fn script_error(lang: Lang, e: &ScriptError) -> String {
    let what = with_suggestion(lang, script_error_kind(lang, &e.kind), e);
    tf(lang, "err.at", &[("line", e.line.to_string()), ("col", e.col.to_string()), ("what", what)])
}

/// A command-bar error (one line): `col N: message`.
pub fn command_error(lang: Lang, e: &ScriptError) -> String {
    let what = with_suggestion(lang, script_error_kind(lang, &e.kind), e);
    tf(lang, "err.col", &[("col", e.col.to_string()), ("what", what)])
}

impl BuildError {
    /// The error in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            BuildError::Script(e) => script_error(lang, e),
            BuildError::Workload { op, error } => {
                tf(lang, "err.workload_op", &[("n", op.to_string()), ("what", op_error(lang, error))])
            }
            BuildError::Text(s) => s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slabscope_core::limits::{Limit, LIMITS};
    use slabscope_core::names::Names;

    /// English reads as the CLI does (line:col: the core's sentence); Japanese is translated,
    /// keeps the numbers, and every limit says its flag.
    #[test]
    fn script_and_limit_errors_in_both_languages() {
        let e = slabscope_core::script::parse("kmalloc 64 as=x\npages alloc ordr=1 as=y\n", &mut Names::default())
            .unwrap_err();
        assert_eq!(script_error(Lang::En, &e), e.to_string());
        let ja = script_error(Lang::Ja, &e);
        assert!(ja.starts_with("2 行 13 列：") && ja.contains("`ordr=`") && ja.contains("指定できません"), "{ja}");
        let deep = slabscope_core::script::parse(&"repeat 1 { ".repeat(100), &mut Names::default()).unwrap_err();
        assert!(matches!(deep.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::Depth, .. })));
        for lang in [Lang::En, Lang::Ja] {
            let text = script_error(lang, &deep);
            assert!(text.contains("max_depth=64") && text.contains("65") && text.contains("--max-depth N"), "{text}");
        }
        for i in LIMITS {
            for lang in [Lang::En, Lang::Ja] {
                let e = LimitError { limit: i.limit, value: 7, max: 3 };
                let text = limit_error(lang, &e);
                assert!(!text.contains("err.limit"), "{} has a catalogue entry: {text}", i.name);
                assert!(
                    text.contains(i.flag) && text.contains('7') && text.contains(&format!("{}=3", i.name)),
                    "{text}"
                );
            }
        }
        assert!(limit_error(Lang::Ja, &LimitError { limit: Limit::Ops, value: 9, max: 1 }).contains("上限"));
    }

    /// Every message key the core gives an error (each `OpError` / `ConfigError` variant, read
    /// from the core's source so a new variant's key cannot be missed) has English and Japanese
    /// text; the English is the core's `Display`, the Japanese is Japanese and keeps the numbers.
    #[test]
    fn every_op_and_config_error_has_en_and_ja_text() {
        use std::collections::BTreeSet;
        let src = include_str!("../../core/src/error.rs");
        let in_source: BTreeSet<String> = src
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| w.starts_with("operr.") || w.starts_with("cfgerr."))
            .map(str::to_string)
            .collect();
        assert!(in_source.len() >= 30, "read the keys: {in_source:?}");
        let mut covered = BTreeSet::new();
        let japanese = |s: &str| {
            s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
        };
        let mut check = |m: ErrorMessage, display: String| {
            covered.insert(m.key.to_string());
            let en = error_message(Lang::En, &m);
            assert_eq!(en, display, "{}: the English entry repeats the core's sentence", m.key);
            let ja = error_message(Lang::Ja, &m);
            assert!(ja != m.key && japanese(&ja) && !ja.contains('{'), "{}: {ja}", m.key);
            for (_, a) in &m.args {
                if let ErrorArg::Text(v) = a {
                    assert!(ja.contains(v.as_str()), "{}: {ja} keeps {v}", m.key);
                }
            }
        };
        for e in OpError::examples() {
            check(e.message(), e.to_string());
        }
        for e in ConfigError::examples() {
            check(e.message(), e.to_string());
        }
        assert_eq!(covered, in_source, "every key of core/src/error.rs has an example (OpError::examples)");
        for p in OpError::PHRASES {
            assert_ne!(
                t(Lang::Ja, &format!("phrase.{p}")),
                format!("phrase.{p}"),
                "phrase `{p}` has a catalogue entry"
            );
            assert_eq!(t(Lang::En, &format!("phrase.{p}")), *p);
        }
        // A refused op inside a script is rendered through the key, located, in Japanese.
        let prog = slabscope_core::script::load("kfree nothing\n", &Default::default(), &[]).unwrap_err();
        let ja = script_error(Lang::Ja, &prog);
        assert!(ja.contains("`nothing` には何も束縛されていません"), "{ja}");
        assert_eq!(script_error(Lang::En, &prog), prog.to_string());
    }
}

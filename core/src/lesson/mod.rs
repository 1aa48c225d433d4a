//! Lessons: a walkthrough of the simulation in steps, with narration in English and Japanese,
//! expectations on the state, and predict-then-reveal questions whose answers the simulation
//! computes. Lesson files are TOML (the authoring guide is `lessons/README.md`).
//!
//! [`parse`] checks a file's shape (fields, query and Markdown syntax, both languages present);
//! [`play`] runs it into a [`Session`] and computes, per step, where it ends in the event stream,
//! what to highlight, every expectation's outcome and each question's answer; [`check`] turns
//! every difference into a located error. [`check_set`] adds the checks across lessons (unique
//! ids, prerequisites that exist and form no cycle). Pure: the caller reads the files.

pub mod markdown;
pub mod query;

#[cfg(feature = "toml")]
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
#[cfg(feature = "toml")]
use toml::Spanned;

use crate::event::{EntityRef, Event};
use crate::machine::MachineConfig;
use crate::session::Session;
use markdown::{Block, Link};
use query::{Ctx, Expect, Query};

/// Views a lesson may show (the ids of the web app's panels).
pub const PANELS: &[&str] = &[
    "controls",
    "sandbox",
    "memory",
    "buddy",
    "buddyinfo",
    "charts",
    "timeline",
    "log",
    "caches",
    "cache",
    "percpu",
    "superslab",
    "inspector",
    "slabinfo",
    "slabcharts",
];

/// Panels shown when a lesson names none.
pub const DEFAULT_PANELS: &[&str] = &["memory", "buddy", "buddyinfo", "log"];

/// A located problem in a lesson file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    /// File name as given.
    pub file: String,
    /// 1-based line (0: the whole file).
    pub line: u32,
    /// What differs or is malformed.
    pub what: String,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// Text in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    /// English.
    pub en: String,
    /// Japanese.
    pub ja: String,
}

impl Text {
    /// The text in a language (`"ja"` or anything else for English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "ja" {
            &self.ja
        } else {
            &self.en
        }
    }
}

/// Narration in both languages, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narration {
    /// English.
    pub en: Vec<Block>,
    /// Japanese.
    pub ja: Vec<Block>,
}

impl Narration {
    /// The blocks in a language.
    pub fn get(&self, lang: &str) -> &[Block] {
        if lang == "ja" {
            &self.ja
        } else {
            &self.en
        }
    }
}

/// Something with the file line it was written on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    /// 1-based line.
    pub line: u32,
    /// The thing.
    pub item: T,
}

/// A lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// File name (for messages).
    pub file: String,
    /// Stable id (used in URLs and prerequisites).
    pub id: String,
    /// 1 (first steps) to 3 (advanced).
    pub level: u8,
    /// Estimated minutes.
    pub minutes: u32,
    /// Ids of lessons to take first.
    pub requires: Vec<Located<String>>,
    /// Title.
    pub title: Text,
    /// One-paragraph summary.
    pub summary: Text,
    /// `config` settings, op-language spelling (`mem=1M cpus=1`).
    pub config: Located<String>,
    /// Panels shown unless a step says otherwise.
    pub panels: Vec<String>,
    /// Steps.
    pub steps: Vec<Step>,
    /// Compare mode (issue #19): 2–4 configurations (`config` settings applied on top of
    /// `config`) the lesson's ops are also run under, side by side; empty = none.
    pub compare: Vec<Located<String>>,
}

/// One step: ops run, then narration about the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Line of the `[[step]]` header.
    pub line: u32,
    /// Op-language text (may be empty: a step of narration only).
    pub ops: String,
    /// File line of the ops text's first line.
    pub ops_line: u32,
    /// Narration.
    pub say: Narration,
    /// Panels to show at this step (empty: the lesson's).
    pub panels: Vec<String>,
    /// Entities to highlight (`NAME`, `cache:NAME`, `slab:NAME`, `pfn:N`, `cpu:N`, `node:N`,
    /// `superslab:N`).
    pub highlight: Vec<Located<String>>,
    /// Expectations on the state after the step's ops.
    pub expect: Vec<Located<Expect>>,
    /// A question asked before the ops run.
    pub question: Option<Question>,
    /// The step's last op is expected to fail with an error containing this text (a double
    /// free, an invalid free, running out of memory). A failing op changes nothing.
    pub fails: Option<Located<String>>,
    /// Expectations on compare configuration N (1-based) after this step's ops, written
    /// `"N: QUERY OP VALUE"`: every number the narration states about another configuration.
    pub compare_expect: Vec<(usize, Located<Expect>)>,
}

/// A predict-then-reveal question, asked before its step's ops run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Line of the question table.
    pub line: u32,
    /// The question.
    pub ask: Text,
    /// Shown with the answer.
    pub explain: Narration,
    /// Kind and answer source.
    pub kind: QuestionKind,
}

/// Kinds of question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// Pick one of several choices; the right one is the choice whose `value` equals the
    /// `answer` query after the step, or whose `when` expectation holds after the step.
    Choice { choices: Vec<Choice>, answer: Option<Located<Query>> },
    /// Click the object of `cache` that the `answer` query (usually `addr NAME`) names after
    /// the step: e.g. the object the step's allocation returns.
    Object { cache: String, answer: Located<Query> },
}

/// A choice of a multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Label.
    pub label: Text,
    /// Compared with the question's `answer` query.
    pub value: Option<i64>,
    /// Or: true after the step for the right choice.
    pub when: Option<Located<Expect>>,
}

// ---- the file format ----------------------------------------------------------------------
//
// #14: a lesson is read in two phases. The TOML file (feature `toml`: the CLI, tests, the web
// app's build script) becomes a [`LessonDoc`]: the file's tables with every value's line, no
// meaning checked yet; [`from_doc`] checks and builds the [`Lesson`] from it (Markdown, queries,
// both languages, panels, compare configurations). The web app embeds the lessons as documents
// (JSON, made at build time), so its bundle has no TOML parser; every located error but a TOML
// syntax error comes from [`from_doc`] there too.

/// A value of a lesson file with the line it was written on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct At<T> {
    /// 1-based line of the value.
    #[serde(rename = "l")]
    pub line: u32,
    /// A multi-line string whose text starts on the next line.
    #[serde(rename = "m", default, skip_serializing_if = "std::ops::Not::not")]
    pub multi: bool,
    /// The value.
    #[serde(rename = "v")]
    pub value: T,
}

impl<T> At<T> {
    fn get_ref(&self) -> &T {
        &self.value
    }
    /// Line of a string value's first content line.
    fn content_line(&self) -> u32 {
        self.line + u32::from(self.multi)
    }
}

/// A lesson file's tables, each value with its line ([`At`]): what [`from_doc`] reads.

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct LessonDoc {
    pub id: At<String>,
    pub level: At<u8>,
    pub minutes: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<At<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<At<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panels: Vec<At<String>>,
    pub title: DocText,
    pub summary: DocText,
    #[serde(rename = "step", default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<At<DocStep>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<At<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[allow(missing_docs)]
pub struct DocText {
    pub en: Option<At<String>>,
    pub ja: Option<At<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct DocStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops: Option<At<String>>,
    pub say: DocText,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panels: Vec<At<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub highlight: Vec<At<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<At<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<At<DocQuestion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails: Option<At<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare_expect: Vec<At<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct DocQuestion {
    pub kind: At<String>,
    pub ask: DocText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<DocText>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<At<DocChoice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<At<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<At<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct DocChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ja: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<At<String>>,
}

// The TOML shape of the same tables (phase one).

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: Spanned<String>,
    level: Spanned<u8>,
    minutes: u32,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    #[serde(default)]
    config: Option<Spanned<String>>,
    #[serde(default)]
    panels: Vec<Spanned<String>>,
    title: RawText,
    summary: RawText,
    #[serde(rename = "step", default)]
    steps: Vec<Spanned<RawStep>>,
    #[serde(default)]
    compare: Vec<Spanned<String>>,
}

#[cfg(feature = "toml")]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawText {
    en: Option<Spanned<String>>,
    ja: Option<Spanned<String>>,
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    ops: Option<Spanned<String>>,
    say: RawText,
    #[serde(default)]
    panels: Vec<Spanned<String>>,
    #[serde(default)]
    highlight: Vec<Spanned<String>>,
    #[serde(default)]
    expect: Vec<Spanned<String>>,
    #[serde(default)]
    question: Option<Spanned<RawQuestion>>,
    #[serde(default)]
    fails: Option<Spanned<String>>,
    #[serde(default)]
    compare_expect: Vec<Spanned<String>>,
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    kind: Spanned<String>,
    ask: RawText,
    #[serde(default)]
    explain: Option<RawText>,
    #[serde(default)]
    choices: Vec<Spanned<RawChoice>>,
    #[serde(default)]
    answer: Option<Spanned<String>>,
    #[serde(default)]
    cache: Option<Spanned<String>>,
}

#[cfg(feature = "toml")]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    en: Option<String>,
    #[serde(default)]
    ja: Option<String>,
    #[serde(default)]
    value: Option<i64>,
    #[serde(default)]
    when: Option<Spanned<String>>,
}

struct Parser<'a> {
    file: &'a str,
    errors: Vec<LessonError>,
}

/// True if `s` has kana or kanji: Japanese text, not English pasted into the `ja` field.
fn has_japanese(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}'))
}

impl Parser<'_> {
    fn err(&mut self, line: u32, what: impl Into<String>) {
        self.errors.push(LessonError { file: self.file.to_string(), line, what: what.into() });
    }
    fn text(&mut self, r: &DocText, line: u32, what: &str) -> Text {
        let get = |v: &Option<At<String>>, lang: &str, p: &mut Self| match v {
            Some(s) if !s.get_ref().trim().is_empty() => {
                if lang == "ja" && !has_japanese(s.get_ref()) {
                    p.err(s.line, format!("{what}: the `ja` text has no Japanese in it"));
                }
                s.get_ref().trim().to_string()
            }
            _ => {
                p.err(line, format!("{what}: missing `{lang}` text"));
                String::new()
            }
        };
        Text { en: get(&r.en, "en", self), ja: get(&r.ja, "ja", self) }
    }
    fn narration(&mut self, r: &DocText, line: u32, what: &str) -> Narration {
        let text = self.text(r, line, what);
        let md = |s: &str, v: &Option<At<String>>, p: &mut Self| match markdown::parse(s) {
            Ok(b) => b,
            Err(e) => {
                let base = v.as_ref().map_or(line, |v| v.content_line());
                p.err(base + e.line - 1, format!("{what}: {}", e.what));
                Vec::new()
            }
        };
        Narration { en: md(&text.en, &r.en, self), ja: md(&text.ja, &r.ja, self) }
    }
    fn panels(&mut self, raw: &[At<String>]) -> Vec<String> {
        raw.iter()
            .filter_map(|p| {
                if PANELS.contains(&p.get_ref().as_str()) {
                    Some(p.get_ref().clone())
                } else {
                    let hint = crate::suggest::suggest(p.get_ref(), PANELS.iter().copied())
                        .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
                    self.err(
                        p.line,
                        format!("unknown panel `{}`; expected one of: {}{hint}", p.get_ref(), PANELS.join(", ")),
                    );
                    None
                }
            })
            .collect()
    }
    fn expect(&mut self, s: &At<String>) -> Option<Located<Expect>> {
        let line = s.line;
        match query::parse_expect(s.get_ref()) {
            Ok(e) => Some(Located { line, item: e }),
            Err(e) => {
                self.err(line, format!("`{}`: {e}", s.get_ref()));
                None
            }
        }
    }
    /// `"N: QUERY OP VALUE"`: an expectation on compare configuration N (1-based).
    fn compare_expect(&mut self, s: &At<String>, configs: usize) -> Option<(usize, Located<Expect>)> {
        let line = s.line;
        let text = s.get_ref();
        let Some((n, e)) = text.split_once(':').and_then(|(n, e)| Some((n.trim().parse::<usize>().ok()?, e.trim())))
        else {
            self.err(
                line,
                format!("compare_expect `{text}`: expected `N: QUERY OP VALUE` (N = compare configuration, from 1)"),
            );
            return None;
        };
        if n == 0 || n > configs {
            self.err(line, format!("compare_expect `{text}`: the lesson has {configs} compare configuration(s)"));
            return None;
        }
        match query::parse_expect(e) {
            Ok(x) => Some((n - 1, Located { line, item: x })),
            Err(err) => {
                self.err(line, format!("compare_expect `{text}`: {err}"));
                None
            }
        }
    }
    fn question(&mut self, raw: &At<DocQuestion>) -> Option<Question> {
        let line = raw.line;
        let q = raw.get_ref();
        let ask = self.text(&q.ask, line, "question");
        let explain = match &q.explain {
            Some(e) => self.narration(e, line, "question explanation"),
            None => {
                self.err(line, "question: missing `explain` (why the answer is what it is)");
                Narration::default()
            }
        };
        let answer = q.answer.as_ref().and_then(|a| {
            let l = a.line;
            match query::parse_query(a.get_ref()) {
                Ok(item) => Some(Located { line: l, item }),
                Err(e) => {
                    self.err(l, format!("answer `{}`: {e}", a.get_ref()));
                    None
                }
            }
        });
        let kind = match q.kind.get_ref().as_str() {
            "choice" => {
                if q.choices.len() < 2 {
                    self.err(line, "question: a `choice` question needs at least two `choices`");
                }
                let mut choices = Vec::new();
                for c in &q.choices {
                    let cl = c.line;
                    let r = c.get_ref();
                    let label = match (&r.text, &r.en, &r.ja) {
                        (Some(t), None, None) => Text { en: t.clone(), ja: t.clone() },
                        (None, Some(en), Some(ja)) => {
                            if !has_japanese(ja) && ja != en {
                                self.err(cl, "choice: the `ja` label has no Japanese in it");
                            }
                            Text { en: en.clone(), ja: ja.clone() }
                        }
                        _ => {
                            self.err(cl, "choice: give `text` (same in both languages) or both `en` and `ja`");
                            Text::default()
                        }
                    };
                    let when = r.when.as_ref().and_then(|w| self.expect(w));
                    match (r.value.is_some(), r.when.is_some(), q.answer.is_some()) {
                        (true, false, true) | (false, true, false) => {}
                        _ => self.err(
                            cl,
                            "choice: with a question `answer` query every choice has a `value`; without one every choice has a `when`",
                        ),
                    }
                    choices.push(Choice { label, value: r.value, when });
                }
                QuestionKind::Choice { choices, answer }
            }
            "object" => {
                let cache = q.cache.as_ref().map(|c| c.get_ref().clone());
                match (cache, answer) {
                    (Some(cache), Some(answer)) => QuestionKind::Object { cache, answer },
                    _ => {
                        self.err(
                            line,
                            "question: an `object` question needs `cache` and an `answer` query (as `addr NAME`)",
                        );
                        return None;
                    }
                }
            }
            other => {
                self.err(q.kind.line, format!("question: unknown kind `{other}`; expected `choice` or `object`"));
                return None;
            }
        };
        Some(Question { line, ask, explain, kind })
    }
}

/// Parse a lesson file. `file` names it in errors.
#[cfg(feature = "toml")]
pub fn parse(file: &str, src: &str) -> Result<Lesson, Vec<LessonError>> {
    from_doc(file, &read_doc(file, src)?)
}

/// Phase one: the file's tables with every value's line ([`LessonDoc`]); only TOML syntax and
/// the tables' shape (unknown or missing fields, wrong types) are checked.
#[cfg(feature = "toml")]
pub fn read_doc(file: &str, src: &str) -> Result<LessonDoc, Vec<LessonError>> {
    toml_doc::read(file, src)
}

/// Phase two: check a lesson document and build the lesson (every located error but a TOML
/// syntax error). `file` names it in errors.
pub fn from_doc(file: &str, raw: &LessonDoc) -> Result<Lesson, Vec<LessonError>> {
    let mut p = Parser { file, errors: Vec::new() };
    let id = raw.id.get_ref().clone();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        p.err(raw.id.line, format!("id `{id}`: use lowercase letters, digits and `-`"));
    }
    let level = *raw.level.get_ref();
    if !(1..=3).contains(&level) {
        p.err(raw.level.line, format!("level {level}: expected 1, 2 or 3"));
    }
    let title = p.text(&raw.title, 1, "title");
    let summary = p.text(&raw.summary, 1, "summary");
    let panels = p.panels(&raw.panels);
    let config = match &raw.config {
        Some(c) => Located { line: c.line, item: c.get_ref().clone() },
        None => Located { line: 1, item: String::new() },
    };
    if raw.steps.is_empty() {
        p.err(0, "a lesson needs at least one `[[step]]`");
    }
    let limits = crate::limits::Limits::default();
    if let Err(e) = limits.check(crate::limits::Limit::LessonSteps, raw.steps.len() as u64) {
        let line = raw.steps.get(limits.max_lesson_steps as usize).map_or(0, |s| s.line);
        p.err(line, e.to_string());
        return Err(p.errors);
    }
    let mut steps = Vec::new();
    for s in &raw.steps {
        let r = s.get_ref();
        let line = s.line;
        let say = p.narration(&r.say, line, "step narration");
        for l in markdown::links(&say.en).chain(markdown::links(&say.ja)) {
            if let Link::Step(n) = l {
                if *n > raw.steps.len() {
                    p.err(line, format!("narration links to step {n}, but the lesson has {} steps", raw.steps.len()));
                }
            }
        }
        let step_panels = p.panels(&r.panels);
        let expect = r.expect.iter().filter_map(|e| p.expect(e)).collect();
        let compare_expect = r.compare_expect.iter().filter_map(|e| p.compare_expect(e, raw.compare.len())).collect();
        let question = r.question.as_ref().and_then(|q| p.question(q));
        let (ops, ops_line) = match &r.ops {
            Some(o) => (o.get_ref().clone(), o.content_line()),
            None => (String::new(), line),
        };
        steps.push(Step {
            line,
            ops,
            ops_line,
            say,
            panels: step_panels,
            highlight: r.highlight.iter().map(|h| Located { line: h.line, item: h.get_ref().clone() }).collect(),
            expect,
            question,
            fails: r.fails.as_ref().map(|f| Located { line: f.line, item: f.get_ref().clone() }),
            compare_expect,
        });
    }
    let compare: Vec<Located<String>> =
        raw.compare.iter().map(|c| Located { line: c.line, item: c.get_ref().clone() }).collect();
    if !compare.is_empty() && !(2..=crate::compare::MAX_CONFIGS).contains(&compare.len()) {
        p.err(
            compare[0].line,
            format!("compare: expected 2 to {} configurations, {} given", crate::compare::MAX_CONFIGS, compare.len()),
        );
    }
    for c in &compare {
        let machine = crate::compare::parse_config(&c.item)
            .and_then(|s| crate::compare::apply_config(&s, &crate::machine::MachineConfig::default()));
        if let Err(e) = machine {
            p.err(c.line, format!("compare `{}`: column {}: {}", c.item, e.col, e.kind));
        }
    }
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    Ok(Lesson {
        file: file.to_string(),
        id,
        level,
        minutes: raw.minutes,
        requires: raw.requires.iter().map(|r| Located { line: r.line, item: r.get_ref().clone() }).collect(),
        title,
        summary,
        config,
        panels,
        steps,
        compare,
    })
}

/// Phase one over TOML: the `Raw*` tables (with byte spans) become a [`LessonDoc`] (with lines).
#[cfg(feature = "toml")]
mod toml_doc {
    use super::*;
    use toml::Spanned;

    struct Lines<'a> {
        src: &'a str,
        /// Byte offset of every `\n` in `src` (so a span's line is a binary search, not a count
        /// from the start: `lessons check` stays linear in steps).
        newlines: Vec<usize>,
    }

    impl Lines<'_> {
        fn line(&self, at: usize) -> u32 {
            self.newlines.partition_point(|&n| n < at.min(self.src.len())) as u32 + 1
        }
        fn at<T, U>(&self, s: &Spanned<T>, f: impl FnOnce(&T) -> U) -> At<U> {
            let start = s.span().start;
            let rest = self.src.get(start..).unwrap_or_default();
            let multi = rest.starts_with("\"\"\"\n") || rest.starts_with("'''\n") || rest.starts_with("\"\"\"\r\n");
            At { line: self.line(start), multi, value: f(s.get_ref()) }
        }
        fn string(&self, s: &Spanned<String>) -> At<String> {
            self.at(s, String::clone)
        }
        fn strings(&self, v: &[Spanned<String>]) -> Vec<At<String>> {
            v.iter().map(|s| self.string(s)).collect()
        }
        fn opt(&self, s: &Option<Spanned<String>>) -> Option<At<String>> {
            s.as_ref().map(|s| self.string(s))
        }
        fn text(&self, t: &RawText) -> DocText {
            DocText { en: self.opt(&t.en), ja: self.opt(&t.ja) }
        }
        fn step(&self, r: &RawStep) -> DocStep {
            DocStep {
                ops: self.opt(&r.ops),
                say: self.text(&r.say),
                panels: self.strings(&r.panels),
                highlight: self.strings(&r.highlight),
                expect: self.strings(&r.expect),
                question: r.question.as_ref().map(|q| self.at(q, |q| self.question(q))),
                fails: self.opt(&r.fails),
                compare_expect: self.strings(&r.compare_expect),
            }
        }
        fn question(&self, q: &RawQuestion) -> DocQuestion {
            DocQuestion {
                kind: self.string(&q.kind),
                ask: self.text(&q.ask),
                explain: q.explain.as_ref().map(|e| self.text(e)),
                choices: q
                    .choices
                    .iter()
                    .map(|c| {
                        self.at(c, |c| DocChoice {
                            text: c.text.clone(),
                            en: c.en.clone(),
                            ja: c.ja.clone(),
                            value: c.value,
                            when: self.opt(&c.when),
                        })
                    })
                    .collect(),
                answer: self.opt(&q.answer),
                cache: self.opt(&q.cache),
            }
        }
    }

    pub(super) fn read(file: &str, src: &str) -> Result<LessonDoc, Vec<LessonError>> {
        let newlines = src.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect();
        let l = Lines { src, newlines };
        let raw: RawLesson = toml::from_str(src).map_err(|e| {
            let line = e.span().map_or(0, |s| l.line(s.start));
            vec![LessonError { file: file.to_string(), line, what: e.message().to_string() }]
        })?;
        Ok(LessonDoc {
            id: l.string(&raw.id),
            level: l.at(&raw.level, |v| *v),
            minutes: raw.minutes,
            requires: l.strings(&raw.requires),
            config: l.opt(&raw.config),
            panels: l.strings(&raw.panels),
            title: l.text(&raw.title),
            summary: l.text(&raw.summary),
            steps: raw.steps.iter().map(|s| l.at(s, |s| l.step(s))).collect(),
            compare: l.strings(&raw.compare),
        })
    }
}

// ---- playing ------------------------------------------------------------------------------

/// The computed answer of a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Index of the right choice.
    Choice(usize),
    /// The object to click, and the objects shown to click on: (address, free) in address order.
    Object { addr: u64, slots: Vec<(u64, bool)> },
}

/// An expectation's outcome at its step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// As written.
    pub text: String,
    /// Line.
    pub line: u32,
    /// Result: the two sides, or why they could not be read.
    pub result: Result<(bool, i64, i64), String>,
}

/// A step as played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlayedStep {
    /// Ops of the session this step ran.
    pub ops: Range<usize>,
    /// Event step before the step's ops (where its question is asked).
    pub start: u64,
    /// Event step after them (where its narration applies).
    pub end: u64,
    /// Entities to highlight.
    pub highlight: Vec<EntityRef>,
    /// Expectation outcomes.
    pub outcomes: Vec<Outcome>,
    /// The question's answer.
    pub answer: Option<Answer>,
    /// The error of the step's expected failure (see [`Step::fails`]).
    pub error: Option<String>,
}

/// A lesson run into a session.
pub struct Played {
    /// The session: every step's ops, in order.
    pub session: Session,
    /// Per step.
    pub steps: Vec<PlayedStep>,
    /// Problems found while playing (an op failing, a highlight or answer that cannot be read,
    /// an expectation that does not hold, a question whose answer is not unique).
    pub errors: Vec<LessonError>,
}

/// The machine a lesson's `config` describes.
pub fn machine(lesson: &Lesson) -> Result<MachineConfig, LessonError> {
    let mut names = crate::names::Names::default();
    let src = format!("config {}", lesson.config.item);
    let located = |e: crate::script::ScriptError| LessonError {
        file: lesson.file.clone(),
        line: lesson.config.line,
        what: format!("config: {}", e.kind),
    };
    if lesson.config.item.trim().is_empty() {
        return Ok(MachineConfig::default());
    }
    let prog = crate::script::parse(&src, &mut names).map_err(located)?;
    prog.apply_config(&MachineConfig::default()).map_err(located)
}

/// Run a lesson. Fails only if the machine cannot be built; everything else lands in
/// [`Played::errors`] (the session then stops at the first failing op).
pub fn play(lesson: &Lesson) -> Result<Played, LessonError> {
    let config = machine(lesson)?;
    let mut session = Session::new(config).map_err(|e| LessonError {
        file: lesson.file.clone(),
        line: lesson.config.line,
        what: format!("config: {e}"),
    })?;
    let mut steps = Vec::new();
    let mut errors = Vec::new();
    let mut err = |line: u32, what: String| errors.push(LessonError { file: lesson.file.clone(), line, what });
    let mut broken = false;
    for step in &lesson.steps {
        let start = session.total_steps();
        let first_op = session.op_count();
        // The state the question is asked in (cloned only for a question: cloning the bindings
        // every step would make playing quadratic in steps).
        let before = step.question.as_ref().map(|_| session.head().clone());
        let mut events: Vec<Event> = Vec::new();
        let mut failed = None;
        if !broken {
            // One op budget for the whole lesson (each step's ops count against what is left).
            let defaults = crate::limits::Limits::default();
            let left = defaults.max_ops.saturating_sub(session.op_count() as u64);
            let limits = crate::limits::Limits { max_ops: left, ..defaults };
            match crate::script::parse_with(&step.ops, session.names_mut(), &limits) {
                Err(e) => {
                    let hint = e.suggestion.as_ref().map_or(String::new(), |s| format!("; did you mean `{s}`?"));
                    err(step.ops_line + e.line.saturating_sub(1), format!("ops, column {}: {}{hint}", e.col, e.kind));
                    broken = true;
                }
                Ok(prog) if !prog.settings.is_empty() => {
                    err(
                        step.ops_line + prog.settings[0].line - 1,
                        "ops: `config` belongs in the lesson's `config`".into(),
                    );
                    broken = true;
                }
                Ok(prog) => {
                    let n = prog.ops.len();
                    for (k, (op, &l)) in prog.ops.iter().zip(&prog.lines).enumerate() {
                        let file_line = step.ops_line + l - 1;
                        if let Err(e) = session.push_into(*op, file_line, &mut events) {
                            let text = e.to_string();
                            match &step.fails {
                                Some(f) if k + 1 == n && text.contains(f.item.as_str()) => failed = Some(text),
                                Some(f) if k + 1 == n => {
                                    err(f.line, format!("the last op failed with `{text}`, not with `{}`", f.item));
                                    broken = true;
                                }
                                _ => {
                                    err(file_line, format!("ops: {e}"));
                                    broken = true;
                                }
                            }
                            break;
                        }
                    }
                    if let (Some(f), None, false) = (&step.fails, &failed, broken) {
                        err(f.line, format!("expected the last op to fail with `{}`, but it succeeded", f.item));
                    }
                }
            }
        }
        let end = session.total_steps();
        if broken {
            // Later checks would only repeat the failure.
            steps.push(PlayedStep {
                ops: first_op..session.op_count(),
                start,
                end,
                highlight: Vec::new(),
                outcomes: Vec::new(),
                answer: None,
                error: None,
            });
            continue;
        }
        let ctx = Ctx { sim: session.head(), names: session.names(), events: &events };
        let mut highlight = Vec::new();
        for h in &step.highlight {
            match ctx.entity(&h.item) {
                Ok(e) => highlight.push(e),
                Err(e) => err(h.line, format!("highlight `{}`: {e}", h.item)),
            }
        }
        let outcomes: Vec<Outcome> = step
            .expect
            .iter()
            .map(|e| Outcome {
                text: e.item.text.clone(),
                line: e.line,
                result: ctx.expect(&e.item).map_err(|e| e.to_string()),
            })
            .collect();
        for o in &outcomes {
            match &o.result {
                Ok((true, ..)) => {}
                Ok((false, a, b)) => {
                    let e = step.expect.iter().find(|e| e.line == o.line).map(|e| &e.item);
                    let rhs = match e.map(|e| &e.rhs) {
                        Some(query::Operand::Query(_)) => format!(" (right side is {b})"),
                        _ => String::new(),
                    };
                    err(o.line, format!("expected `{}`, but the simulation has {a}{rhs}", o.text))
                }
                Err(e) => err(o.line, format!("`{}`: {e}", o.text)),
            }
        }
        let answer = step.question.as_ref().zip(before.as_ref()).and_then(|(q, before)| {
            let before_ctx = Ctx { sim: before, names: session.names(), events: &[] };
            match answer(q, &ctx, &before_ctx) {
                Ok(a) => Some(a),
                Err(e) => {
                    err(q.line, format!("question: {e}"));
                    None
                }
            }
        });
        steps.push(PlayedStep {
            ops: first_op..session.op_count(),
            start,
            end,
            highlight,
            outcomes,
            answer,
            error: failed,
        });
    }
    Ok(Played { session, steps, errors })
}

fn answer(q: &Question, after: &Ctx, before: &Ctx) -> Result<Answer, String> {
    match &q.kind {
        QuestionKind::Choice { choices, answer } => {
            let mut right = Vec::new();
            for (i, c) in choices.iter().enumerate() {
                let ok = match (answer, c.value, &c.when) {
                    (Some(a), Some(v), _) => after.eval(&a.item).map_err(|e| format!("answer: {e}"))? == v,
                    (_, _, Some(w)) => after.expect(&w.item).map_err(|e| format!("line {}: {e}", w.line))?.0,
                    _ => false,
                };
                if ok {
                    right.push(i);
                }
            }
            match right.as_slice() {
                [i] => Ok(Answer::Choice(*i)),
                [] => {
                    let v = answer.as_ref().and_then(|a| after.eval(&a.item).ok());
                    Err(match v {
                        Some(v) => format!("no choice is right: the simulation gives {v}"),
                        None => "no choice's `when` holds after the step".into(),
                    })
                }
                many => Err(format!("{} choices are right (choices {:?}); exactly one must be", many.len(), many)),
            }
        }
        QuestionKind::Object { cache, answer } => {
            let v = after.eval(&answer.item).map_err(|e| format!("answer: {e}"))? as u64;
            let slots = before.object_slots(cache).map_err(|e| e.to_string())?;
            match slots.iter().find(|(a, _)| *a == v) {
                Some((_, true)) => Ok(Answer::Object { addr: v, slots }),
                Some((_, false)) => Err(format!("the answer {v:#x} was not free before the step")),
                None => Err(format!(
                    "the answer {v:#x} is not an object of {cache}'s slabs before the step (a new slab cannot be clicked)"
                )),
            }
        }
    }
}

/// Check one lesson: parse errors, then everything [`play`] finds, then its compare
/// expectations under each compare configuration ([`compare_variant`]).
#[cfg(feature = "toml")]
pub fn check(file: &str, src: &str) -> Result<Lesson, Vec<LessonError>> {
    let lesson = parse(file, src)?;
    match play(&lesson) {
        Err(e) => Err(vec![e]),
        Ok(p) if !p.errors.is_empty() => Err(p.errors),
        Ok(_) => {
            let mut errors = Vec::new();
            for (i, c) in lesson.compare.iter().enumerate() {
                let tag = |e: LessonError| LessonError {
                    what: format!("{} (compare configuration {} `{}`)", e.what, i + 1, c.item),
                    ..e
                };
                match play(&compare_variant(&lesson, i)) {
                    Err(e) => errors.push(tag(e)),
                    Ok(p) => errors.extend(p.errors.into_iter().map(tag)),
                }
            }
            if errors.is_empty() {
                Ok(lesson)
            } else {
                Err(errors)
            }
        }
    }
}

/// The lesson as compare configuration `i` (0-based) runs it: its configuration's settings after
/// the lesson's `config`, each step's `compare_expect` for that configuration as its expectations
/// (no question, no highlight: those are about the lesson's own machine). Compare mode's column
/// `i` is this lesson's session.
pub fn compare_variant(lesson: &Lesson, i: usize) -> Lesson {
    let extra = lesson.compare.get(i).map_or("", |c| c.item.as_str());
    let mut v = lesson.clone();
    v.config.item = format!("{} {extra}", lesson.config.item).trim().to_string();
    v.compare = Vec::new();
    for s in &mut v.steps {
        s.expect = s.compare_expect.iter().filter(|(n, _)| *n == i).map(|(_, e)| e.clone()).collect();
        s.compare_expect = Vec::new();
        s.question = None;
        s.highlight = Vec::new();
    }
    v
}

/// Check a set of lesson files `(name, text)`: each one, then ids unique and prerequisites
/// existing and acyclic. Returns the lessons (sorted by file name: number files to order the course) or every error.
#[cfg(feature = "toml")]
pub fn check_set(files: &[(String, String)]) -> Result<Vec<Lesson>, Vec<LessonError>> {
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    for (name, src) in files {
        match check(name, src) {
            Ok(l) => lessons.push(l),
            Err(e) => errors.extend(e),
        }
    }
    let mut ids: BTreeMap<&str, &Lesson> = BTreeMap::new();
    for l in &lessons {
        if let Some(other) = ids.insert(&l.id, l) {
            errors.push(LessonError {
                file: l.file.clone(),
                line: 1,
                what: format!("id `{}` is also used by {}", l.id, other.file),
            });
        }
    }
    for l in &lessons {
        for r in &l.requires {
            if !ids.contains_key(r.item.as_str()) {
                let hint = crate::suggest::suggest(&r.item, ids.keys().copied())
                    .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
                errors.push(LessonError {
                    file: l.file.clone(),
                    line: r.line,
                    what: format!("requires `{}`, which is no lesson{hint}", r.item),
                });
            }
        }
    }
    // Cycles: depth-first over prerequisites.
    fn visit<'a>(
        id: &'a str,
        ids: &BTreeMap<&'a str, &'a Lesson>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| *p == id) {
            return Some(path[i..].iter().map(|s| s.to_string()).chain([id.to_string()]).collect());
        }
        if !done.insert(id) {
            return None;
        }
        path.push(id);
        for r in ids.get(id).map_or(&[][..], |l| l.requires.as_slice()) {
            if let Some(c) = visit(&r.item, ids, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for l in &lessons {
        if let Some(cycle) = visit(&l.id, &ids, &mut Vec::new(), &mut done) {
            errors.push(LessonError {
                file: l.file.clone(),
                line: 1,
                what: format!("prerequisites form a cycle: {}", cycle.join(" → ")),
            });
            break;
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    crate::sort::sort_by(&mut lessons, |a, b| a.file.cmp(&b.file));
    Ok(lessons)
}

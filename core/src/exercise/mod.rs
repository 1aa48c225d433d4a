//! Exercises: practice questions generated from a seed, answered and graded by the simulation.
//!
//! An [`Exercise`] is built by [`generate`] from a kind (one row of [`KINDS`]), a seed and a
//! difficulty level. It carries the op script it was built from (config line plus ops, in the op
//! language, so the web app can replay it in its normal views), how many of those ops are already
//! done when the question is asked, the question (a message key plus parameters, rendered in
//! English or Japanese by [`text::render`]), the answer — always read from the simulation after
//! running the script, never written by hand — and an explanation naming the steps where the
//! allocator did it.
//!
//! Invariants (tested over thousands of seeds per kind): the script runs without error; every
//! exercise has exactly one right answer (choice questions: exactly one choice grades correct and
//! the choices are distinct; object questions: the answer is one of the distinct candidate
//! objects shown); the same kind, seed and level give the same exercise on every platform
//! ([`Exercise::hash`]). Pure: no IO, clocks or globals.

mod kinds;
pub mod score;
pub mod text;

use std::fmt;

use serde::Serialize;

use crate::event::{Event, StreamHash};
use crate::lesson::query::{parse_query, Ctx};
use crate::machine::MachineConfig;
use crate::session::Session;
use crate::workload::Rng;

/// Difficulty levels: 1 (small machine, few ops) to [`MAX_LEVEL`].
pub const MAX_LEVEL: u8 = 3;
/// Most exercises in one set (the embed's `count`).
pub const MAX_COUNT: u32 = 50;
/// Generation attempts (each with a seed derived from the exercise seed) before giving up.
const ATTEMPTS: u64 = 64;

/// A kind of exercise: one row of the table that drives generation, `--list`, the docs and the UI.
pub struct Kind {
    /// Stable id, used in URLs (`exercise=`) and on the command line.
    pub id: &'static str,
    /// The allocator layer it is about (`buddy`, `slub`, `slab`, `percpu`, `superslab`).
    pub area: &'static str,
    /// Catalogue key of its one-line title.
    pub title: &'static str,
    /// How the student answers.
    pub answer: AnswerType,
    build: fn(&mut Rng, u8) -> Result<Draft, String>,
}

/// Every exercise kind.
pub const KINDS: &[Kind] = &[
    Kind {
        id: "buddyinfo",
        area: "buddy",
        title: "ex.title.buddyinfo",
        answer: AnswerType::Row,
        build: kinds::buddyinfo,
    },
    Kind {
        id: "buddy-pfn",
        area: "buddy",
        title: "ex.title.buddy_pfn",
        answer: AnswerType::Number,
        build: kinds::buddy_pfn,
    },
    Kind {
        id: "buddy-merge",
        area: "buddy",
        title: "ex.title.buddy_merge",
        answer: AnswerType::Row,
        build: kinds::buddy_merge,
    },
    Kind {
        id: "slub-object",
        area: "slub",
        title: "ex.title.slub_object",
        answer: AnswerType::Object,
        build: kinds::slub_object,
    },
    Kind {
        id: "slub-path",
        area: "slub",
        title: "ex.title.slub_path",
        answer: AnswerType::Choice,
        build: kinds::slub_path,
    },
    Kind {
        id: "slub-node-partial",
        area: "slub",
        title: "ex.title.slub_node_partial",
        answer: AnswerType::Number,
        build: kinds::slub_node_partial,
    },
    Kind {
        id: "slab-list",
        area: "slab",
        title: "ex.title.slab_list",
        answer: AnswerType::Choice,
        build: kinds::slab_list,
    },
    Kind {
        id: "slab-colour",
        area: "slab",
        title: "ex.title.slab_colour",
        answer: AnswerType::Number,
        build: kinds::slab_colour,
    },
    Kind {
        id: "percpu-free",
        area: "percpu",
        title: "ex.title.percpu_free",
        answer: AnswerType::Choice,
        build: kinds::percpu_free,
    },
    Kind {
        id: "superslab-release",
        area: "superslab",
        title: "ex.title.superslab_release",
        answer: AnswerType::Choice,
        build: kinds::superslab_release,
    },
];

/// The kind with this id.
pub fn kind(id: &str) -> Result<&'static Kind, ExerciseError> {
    KINDS.iter().find(|k| k.id == id).ok_or_else(|| ExerciseError::UnknownKind {
        kind: id.to_string(),
        suggestion: crate::suggest::suggest(id, KINDS.iter().map(|k| k.id)),
    })
}

/// How a question is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    /// Pick one of the choices.
    Choice,
    /// One number (decimal or `0x` hexadecimal).
    Number,
    /// A row of numbers (e.g. a `/proc/buddyinfo` row, a list of pfns).
    Row,
    /// An object: its address (click it in the slab view).
    Object,
}

impl AnswerType {
    /// The word used in messages and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerType::Choice => "choice",
            AnswerType::Number => "number",
            AnswerType::Row => "row",
            AnswerType::Object => "object",
        }
    }
}

/// A message key plus named parameters (already formatted), rendered by [`text::render`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Msg {
    /// Catalogue key (`ex.q.buddyinfo`…).
    pub key: &'static str,
    /// Parameters substituted for `{name}`.
    pub params: Vec<(&'static str, String)>,
}

impl Msg {
    fn new(key: &'static str, params: Vec<(&'static str, String)>) -> Msg {
        Msg { key, params }
    }
    /// The text in a language (`ja`, or English for anything else).
    pub fn render(&self, lang: &str) -> String {
        text::render(self, lang)
    }
}

/// One choice of a choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// Stable id (accepted as an answer, e.g. `fast`, `yes`).
    pub id: &'static str,
    /// Its label.
    pub label: Msg,
}

/// The right answer of an exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    /// `choices[right]` is right.
    Choice { choices: Vec<Choice>, right: usize },
    /// A number.
    Number { value: u64 },
    /// A row of numbers; `unordered`: any order of the same numbers is right (a set of pfns).
    Row { values: Vec<u64>, unordered: bool },
    /// The object at `addr`, one of `candidates` (the cache's object slots when the question is
    /// asked, in address order).
    Object { cache: String, candidates: Vec<u64>, addr: u64 },
}

/// A student's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Response {
    /// Index into the choices.
    Choice(usize),
    /// A number.
    Number(u64),
    /// A row of numbers.
    Row(Vec<u64>),
    /// An object address.
    Object(u64),
}

/// The result of grading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grade {
    /// The answer is right.
    pub correct: bool,
    /// The student's answer, normalised (shown next to the truth).
    pub given: String,
    /// The right answer, in the same form.
    pub expected: String,
}

/// A generated exercise. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exercise {
    /// Kind id.
    pub kind: &'static str,
    /// Seed it was generated from.
    pub seed: u64,
    /// Difficulty level.
    pub level: u8,
    /// The op script (a `config` line, then one op per line).
    pub script: String,
    /// Ops in the script.
    pub ops: usize,
    /// Ops already run when the question is asked (the rest are the ones it asks about).
    pub setup_ops: usize,
    /// The step at which the question is asked (after the setup ops).
    pub ask_step: u64,
    /// Steps of the ops the question asks about: `from..=to` (1-based steps, as the UI shows).
    pub from_step: u64,
    /// Last step of the exercise.
    pub to_step: u64,
    /// The question.
    pub question: Msg,
    /// The right answer.
    pub answer: Answer,
    /// Why: what the allocator did in steps `from_step..=to_step`.
    pub explain: Msg,
}

/// What a kind's generator returns: the script and the answer read from running it.
struct Draft {
    config: String,
    ops: Vec<String>,
    setup: usize,
    question: Msg,
    answer: Answer,
    explain: Msg,
}

/// Why an exercise could not be made or an answer not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExerciseError {
    /// No kind of that name.
    UnknownKind { kind: String, suggestion: Option<String> },
    /// Level outside `1..=MAX_LEVEL` (or not a number).
    Level { value: String },
    /// Count outside `1..=MAX_COUNT` (or not a number).
    Count { value: String },
    /// Seed is not a number.
    Seed { value: String },
    /// The answer text is not of the expected form.
    BadAnswer { expected: AnswerType, text: String, detail: String },
    /// A choice answer outside the choices.
    NoSuchChoice { text: String, choices: usize },
    /// The generator failed (a bug: the property tests guard against it).
    Generate { kind: &'static str, seed: u64, level: u8, detail: String },
}

impl fmt::Display for ExerciseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExerciseError::UnknownKind { kind, suggestion } => {
                let all: Vec<&str> = KINDS.iter().map(|k| k.id).collect();
                write!(f, "unknown exercise `{kind}`; expected one of: {}", all.join(", "))?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            ExerciseError::Level { value } => write!(f, "level `{value}` is outside 1..={MAX_LEVEL}"),
            ExerciseError::Count { value } => write!(f, "count `{value}` is outside 1..={MAX_COUNT}"),
            ExerciseError::Seed { value } => {
                write!(f, "seed `{value}` is not a number (decimal or 0x hexadecimal, up to 64 bits)")
            }
            ExerciseError::BadAnswer { expected, text, detail } => {
                write!(f, "answer `{text}` is not a {}: {detail}", expected.as_str())
            }
            ExerciseError::NoSuchChoice { text, choices } => {
                write!(f, "answer `{text}` names no choice; give 1..={choices}, a letter or a choice id")
            }
            ExerciseError::Generate { kind, seed, level, detail } => {
                write!(f, "could not generate exercise {kind} seed={seed} level={level}: {detail}")
            }
        }
    }
}

impl std::error::Error for ExerciseError {}

/// Parse a level (`1..=MAX_LEVEL`).
pub fn parse_level(text: &str) -> Result<u8, ExerciseError> {
    crate::script::parse_num(text.trim())
        .filter(|l| (1..=u64::from(MAX_LEVEL)).contains(l))
        .map(|l| l as u8)
        .ok_or_else(|| ExerciseError::Level { value: text.to_string() })
}

/// Parse a seed (decimal or `0x` hexadecimal).
pub fn parse_seed(text: &str) -> Result<u64, ExerciseError> {
    crate::script::parse_num(text.trim()).ok_or_else(|| ExerciseError::Seed { value: text.to_string() })
}

/// Parse a set size (`1..=MAX_COUNT`).
pub fn parse_count(text: &str) -> Result<u32, ExerciseError> {
    crate::script::parse_num(text.trim())
        .filter(|c| (1..=u64::from(MAX_COUNT)).contains(c))
        .map(|c| c as u32)
        .ok_or_else(|| ExerciseError::Count { value: text.to_string() })
}

/// The embed's exercise parameters: `exercise=KIND&seed=N&count=K&level=L`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetRequest {
    /// Kind id.
    pub kind: &'static str,
    /// Seed of the first exercise; exercise `i` of the set uses `seed + i` (wrapping).
    pub seed: u64,
    /// Exercises in the set (default 5).
    pub count: u32,
    /// Level (default 1).
    pub level: u8,
}

impl SetRequest {
    /// From URL query pairs (other keys are ignored; `seed` defaults to 1, `count` to 5, `level`
    /// to 1). `None` when there is no `exercise` key.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<SetRequest>, ExerciseError> {
        let (mut kind_id, mut seed, mut count, mut level) = (None, 1, 5, 1);
        for (k, v) in pairs {
            match k {
                "exercise" => kind_id = Some(kind(v)?.id),
                "seed" => seed = parse_seed(v)?,
                "count" => count = parse_count(v)?,
                "level" => level = parse_level(v)?,
                _ => {}
            }
        }
        Ok(kind_id.map(|kind| SetRequest { kind, seed, count, level }))
    }

    /// The exercises of the set.
    pub fn generate(&self) -> Result<Vec<Exercise>, ExerciseError> {
        (0..self.count).map(|i| generate(self.kind, self.seed.wrapping_add(u64::from(i)), self.level)).collect()
    }
}

/// Generate the exercise of a kind for a seed and level.
pub fn generate(kind_id: &str, seed: u64, level: u8) -> Result<Exercise, ExerciseError> {
    let k = kind(kind_id)?;
    if !(1..=MAX_LEVEL).contains(&level) {
        return Err(ExerciseError::Level { value: level.to_string() });
    }
    let fail = |detail: String| ExerciseError::Generate { kind: k.id, seed, level, detail };
    let base = seed ^ name_hash(k.id);
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::new(base.wrapping_add(attempt.wrapping_mul(0x2545_f491_4f6c_dd1d)));
        // A draft is rejected (and another drawn) when the machine refuses an op or the draw does
        // not make the situation the question needs; the last reason is reported.
        let d = match (k.build)(&mut rng, level) {
            Ok(d) => d,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let src = script_text(&d.config, &d.ops);
        let session = crate::script::load(&src, &MachineConfig::default(), &[]).map_err(|e| fail(e.to_string()))?;
        let n = session.op_count();
        if n != d.ops.len() || d.setup >= n {
            return Err(fail(format!("{n} ops, {} setup ops", d.setup)));
        }
        let ask_step = if d.setup == 0 { 0 } else { session.op_events_range(d.setup - 1).end };
        let to_step = session.total_steps();
        let mut explain = d.explain;
        explain.params.push(("from", (ask_step + 1).to_string()));
        explain.params.push(("to", to_step.to_string()));
        return Ok(Exercise {
            kind: k.id,
            seed,
            level,
            script: src,
            ops: n,
            setup_ops: d.setup,
            ask_step,
            from_step: ask_step + 1,
            to_step,
            question: d.question,
            answer: d.answer,
            explain,
        });
    }
    Err(fail(format!("no suitable exercise in {ATTEMPTS} attempts (last: {last})")))
}

/// The seeds and levels [`fingerprint`] generates for every kind.
pub const FINGERPRINT_SEEDS: [(u64, u8); 5] = [(0, 1), (1, 2), (2, 3), (0xdead_beef, 3), (u64::MAX, 1)];

/// The fingerprint of a fixed list of exercises (every kind at [`FINGERPRINT_SEEDS`]): equal on
/// every platform. The web app computes it in wasm and the browser suite compares it with
/// `slabscope exercise --hash`, like the event-stream determinism hash.
pub fn fingerprint() -> Result<u64, ExerciseError> {
    let mut h = StreamHash::default();
    for k in KINDS {
        for (seed, level) in FINGERPRINT_SEEDS {
            h.update(&generate(k.id, seed, level)?.hash().to_le_bytes());
        }
    }
    Ok(h.finish())
}

fn name_hash(s: &str) -> u64 {
    let mut h = StreamHash::default();
    h.update(s.as_bytes());
    h.finish()
}

fn script_text(config: &str, ops: &[String]) -> String {
    let mut s = format!("config {config}\n");
    for op in ops {
        s.push_str(op);
        s.push('\n');
    }
    s
}

impl Exercise {
    /// The stable fingerprint of the whole exercise (FNV-1a of its JSON form): equal on every
    /// platform for the same kind, seed and level.
    pub fn hash(&self) -> u64 {
        name_hash(&serde_json::to_string(self).expect("exercises serialize"))
    }

    /// The ops already done when the question is asked, and the ops it asks about.
    pub fn op_lines(&self) -> (Vec<&str>, Vec<&str>) {
        let mut lines = self.script.lines().skip(1);
        let setup = lines.by_ref().take(self.setup_ops).collect();
        (setup, lines.collect())
    }

    /// How the answer is given.
    pub fn answer_type(&self) -> AnswerType {
        match self.answer {
            Answer::Choice { .. } => AnswerType::Choice,
            Answer::Number { .. } => AnswerType::Number,
            Answer::Row { .. } => AnswerType::Row,
            Answer::Object { .. } => AnswerType::Object,
        }
    }

    /// The right answer as a response.
    pub fn right_response(&self) -> Response {
        match &self.answer {
            Answer::Choice { right, .. } => Response::Choice(*right),
            Answer::Number { value } => Response::Number(*value),
            Answer::Row { values, .. } => Response::Row(values.clone()),
            Answer::Object { addr, .. } => Response::Object(*addr),
        }
    }

    /// The right answer as text in a language.
    pub fn answer_text(&self, lang: &str) -> String {
        self.show(&self.right_response(), lang)
    }

    /// A response as text in a language, in the form the answer is shown (the student's
    /// prediction next to the truth).
    pub fn show(&self, r: &Response, lang: &str) -> String {
        match (r, &self.answer) {
            (Response::Choice(i), Answer::Choice { choices, .. }) => match choices.get(*i) {
                Some(c) => format!("{}. {}", letter(*i), c.label.render(lang)),
                None => format!("#{}", i + 1),
            },
            (Response::Row(v), _) if v.is_empty() => text::word("ex.none", lang).to_string(),
            (Response::Row(v), _) => v.iter().map(u64::to_string).collect::<Vec<_>>().join(" "),
            (Response::Number(n), _) => n.to_string(),
            (Response::Object(a), _) => format!("{a:#x}"),
            (r, _) => format!("{r:?}"),
        }
    }

    /// The plain-text form (the CLI's output; the web view shows the same parts): the machine,
    /// the ops already done, the ops asked about, the question, the choices or candidates, and
    /// with `with_answer` the answer and the explanation.
    pub fn text_form(&self, lang: &str, with_answer: bool) -> String {
        let w = |k: &str| text::word(k, lang).to_string();
        let config = self.script.lines().next().unwrap_or("");
        let mut out = format!("{} ({} seed={} level={})\n", w(self.title_key()), self.kind, self.seed, self.level);
        out += &format!("{}: {config}\n", w("ex.ui.machine"));
        let (setup, asked) = self.op_lines();
        for (label, ops) in [("ex.ui.done", setup), ("ex.ui.then", asked)] {
            if !ops.is_empty() {
                out += &format!("{}:\n", w(label));
                for op in ops {
                    out += &format!("    {op}\n");
                }
            }
        }
        out += &format!("{}: {}\n", w("ex.ui.question"), self.question.render(lang));
        match &self.answer {
            Answer::Choice { choices, .. } => {
                out += &format!("{}:\n", w("ex.ui.choices"));
                for (i, c) in choices.iter().enumerate() {
                    out += &format!("    {}. {} [{}]\n", letter(i), c.label.render(lang), c.id);
                }
            }
            Answer::Object { cache, candidates, .. } => {
                let m = Msg::new("ex.ui.candidates", vec![("cache", cache.clone())]);
                out += &format!("{}:\n", m.render(lang));
                for chunk in candidates.chunks(4) {
                    let row: Vec<String> = chunk.iter().map(|a| format!("{a:#x}")).collect();
                    out += &format!("    {}\n", row.join("  "));
                }
            }
            Answer::Number { .. } | Answer::Row { .. } => {}
        }
        if with_answer {
            out += &format!("{}: {}\n", w("ex.ui.answer"), self.answer_text(lang));
            out += &format!("{}: {}\n", w("ex.ui.why"), self.explain.render(lang));
        }
        out
    }

    /// Catalogue key of the kind's title.
    pub fn title_key(&self) -> &'static str {
        KINDS.iter().find(|k| k.id == self.kind).map_or("ex.ui.question", |k| k.title)
    }

    /// Grade a response. A response of the wrong type is simply wrong.
    pub fn grade(&self, r: &Response) -> Grade {
        let correct = match (r, &self.answer) {
            (Response::Choice(i), Answer::Choice { right, .. }) => i == right,
            (Response::Number(n), Answer::Number { value }) => n == value,
            (Response::Row(v), Answer::Row { values, unordered }) => {
                let pad = |v: &[u64]| {
                    let mut v = v.to_vec();
                    if *unordered {
                        crate::sort::sort(&mut v);
                    } else {
                        // Trailing zeros may be left out of a buddyinfo row.
                        while v.last() == Some(&0) {
                            v.pop();
                        }
                    }
                    v
                };
                pad(v) == pad(values)
            }
            (Response::Object(a), Answer::Object { addr, .. }) => a == addr,
            _ => false,
        };
        Grade { correct, given: self.show(r, "en"), expected: self.answer_text("en") }
    }

    /// Parse a typed answer in its usual forms: a choice as `2`, `b` or its id; a number in
    /// decimal or `0x` hex (with an optional `pfn` or `bytes`); a row as numbers separated by
    /// spaces or commas (a whole `/proc/buddyinfo` line works; `none` or `-` for an empty
    /// row); an object address in hex, with or without `0x`.
    pub fn parse_response(&self, text: &str) -> Result<Response, ExerciseError> {
        let t = text.trim().to_ascii_lowercase();
        let bad = |detail: &str| ExerciseError::BadAnswer {
            expected: self.answer_type(),
            text: text.to_string(),
            detail: detail.to_string(),
        };
        match &self.answer {
            Answer::Choice { choices, .. } => {
                let n = choices.len();
                let by_num = crate::script::parse_num(&t).and_then(|k| k.checked_sub(1)).map(|k| k as usize);
                let by_letter = (t.len() == 1)
                    .then(|| t.as_bytes()[0])
                    .filter(u8::is_ascii_lowercase)
                    .map(|b| usize::from(b - b'a'));
                let by_id = choices.iter().position(|c| c.id == t);
                by_id
                    .or(by_num)
                    .or(by_letter)
                    .filter(|&i| i < n)
                    .map(Response::Choice)
                    .ok_or(ExerciseError::NoSuchChoice { text: text.to_string(), choices: n })
            }
            Answer::Number { .. } => {
                let t = t.strip_prefix("pfn").unwrap_or(&t).trim_start_matches([' ', ':', '=']);
                let t = t.strip_suffix("bytes").or_else(|| t.strip_suffix("byte")).unwrap_or(t).trim();
                crate::script::parse_num(t).map(Response::Number).ok_or_else(|| bad("expected a decimal or 0x number"))
            }
            Answer::Row { .. } => {
                if matches!(t.as_str(), "none" | "-" | "" | "なし") {
                    return Ok(Response::Row(Vec::new()));
                }
                let cleaned: String =
                    t.chars().map(|c| if matches!(c, ',' | '[' | ']' | '(' | ')' | ';') { ' ' } else { c }).collect();
                let mut words: Vec<&str> = cleaned.split_whitespace().collect();
                // A /proc/buddyinfo line: `Node 0, zone   Normal  1 0 ...`.
                if words.first() == Some(&"node") {
                    if let Some(z) = words.iter().position(|w| *w == "zone") {
                        words.drain(..(z + 2).min(words.len()));
                    }
                }
                words
                    .iter()
                    .map(|w| crate::script::parse_num(w).ok_or_else(|| bad(&format!("`{w}` is not a number"))))
                    .collect::<Result<Vec<u64>, _>>()
                    .map(Response::Row)
            }
            Answer::Object { .. } => {
                let h = t.strip_prefix("0x").unwrap_or(&t);
                if h.is_empty() || h.len() > 16 {
                    return Err(bad("expected a hexadecimal address such as 0xffff888000010000"));
                }
                u64::from_str_radix(h, 16)
                    .map(Response::Object)
                    .map_err(|_| bad("expected a hexadecimal address such as 0xffff888000010000"))
            }
        }
    }

    /// Parse and grade a typed answer.
    pub fn grade_text(&self, text: &str) -> Result<Grade, ExerciseError> {
        Ok(self.grade(&self.parse_response(text)?))
    }
}

/// `a`, `b`, … for choice `i`.
pub fn letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

// ---- helpers shared by the generators ------------------------------------------------------

/// The script run: the session and each op's events.
struct Run {
    session: Session,
    events: Vec<Vec<Event>>,
}

impl Run {
    fn new(config: &str, ops: &[String]) -> Result<Run, String> {
        let mut events = Vec::new();
        let session = crate::script::run(
            &script_text(config, ops),
            &MachineConfig::default(),
            &[],
            Some(|_: &Session, _: usize, evs: &[Event]| events.push(evs.to_vec())),
        )
        .map_err(|e| e.to_string())?;
        Ok(Run { session, events })
    }

    /// Read a lesson query on the final state (addresses come back as their bits).
    fn query(&self, q: &str) -> Result<u64, String> {
        query_at(self.session.head(), &self.session, q)
    }

    /// The state before op `k` (when the question is asked, for `k` = the setup ops).
    fn before(&self, k: usize) -> crate::sim::Sim {
        self.session.state_before(k)
    }
}

/// Read a lesson query (`nr_free order=3 node=0`, `pfn q`…) on a state of the session.
fn query_at(sim: &crate::sim::Sim, session: &Session, q: &str) -> Result<u64, String> {
    let query = parse_query(q).map_err(|e| format!("{q}: {e}"))?;
    let ctx = Ctx { sim, names: session.names(), events: &[] };
    // Addresses are read as i64 bits; every other query is non-negative.
    Ok(ctx.eval(&query).map_err(|e| format!("{q}: {e}"))? as u64)
}

fn between(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    lo + rng.below(hi - lo + 1)
}

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

#[cfg(test)]
mod tests;

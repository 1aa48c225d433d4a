//! Lessons in the app: the embedded catalogue, a lesson being played (its step, the student's
//! replies), the embed-mode URL parameters, and progress kept in the browser. All simulation
//! facts (where a step ends, what to highlight, each answer) come from `core::lesson::play`.

use std::collections::BTreeMap;
use std::rc::Rc;

use slabscope_core::lesson::{self, Answer, Lesson, PlayedStep, PANELS};
use slabscope_core::session::Session;

use crate::i18n::{t, tf, Lang};

/// The file the lesson documents are fetched from, next to the bundle (#14: not in it; made
/// from `lessons/*.toml` by core's TOML phase, kept current by `core/tests/lesson_doc.rs`).
pub const DOCS_FILE: &str = "docs.tsv";

/// One lesson file: (file name, declared id, lesson document as JSON).
type File = (String, String, String);

thread_local! {
    /// The lesson files, from [`install`] (UI thread only).
    static FILES: std::cell::RefCell<Rc<Vec<File>>> = std::cell::RefCell::default();
    /// Per lesson file: not parsed yet (`None`), or parsed (`Some(None)`: it did not parse).
    static PARSED: std::cell::RefCell<Vec<Option<Option<Rc<Lesson>>>>> = const { std::cell::RefCell::new(Vec::new()) };
    static CATALOG: std::cell::OnceCell<Rc<Vec<Rc<Lesson>>>> = const { std::cell::OnceCell::new() };
}

/// Install the lesson documents (the text of [`DOCS_FILE`]: a line per lesson file,
/// `file \t id \t JSON`), before the app starts. Nothing is parsed yet.
pub fn install(text: &str) {
    let files: Vec<File> = text
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, '\t');
            Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect();
    PARSED.with(|p| *p.borrow_mut() = vec![None; files.len()]);
    FILES.with(|f| *f.borrow_mut() = Rc::new(files));
}

fn files() -> Rc<Vec<File>> {
    FILES.with(|f| Rc::clone(&f.borrow()))
}

/// Lesson file `i`, parsed once. A lesson that fails to parse is left out and reported (the
/// checker in `cargo test` keeps that from shipping).
fn parsed(i: usize) -> Option<Rc<Lesson>> {
    if let Some(done) = PARSED.with(|p| p.borrow().get(i).cloned().flatten()) {
        return done;
    }
    let files = files();
    let (name, _, json) = files.get(i)?;
    let doc = serde_json::from_str::<lesson::LessonDoc>(json).map_err(|e| vec![e.to_string()]);
    let l = match doc.and_then(|d| lesson::from_doc(name, &d).map_err(|es| es.iter().map(|e| e.to_string()).collect()))
    {
        Ok(l) => Some(Rc::new(l)),
        Err(errors) => {
            for e in errors {
                web_sys::console::warn_1(&e.into());
            }
            None
        }
    };
    PARSED.with(|p| p.borrow_mut()[i] = Some(l.clone()));
    l
}

/// Every lesson, parsed once.
pub fn catalog() -> Rc<Vec<Rc<Lesson>>> {
    CATALOG.with(|c| Rc::clone(c.get_or_init(|| Rc::new((0..files().len()).filter_map(parsed).collect()))))
}

/// Find a lesson by id: only the file that declares the id is parsed (#14: opening a lesson
/// link does not parse the whole catalogue before the first picture), else the catalogue.
pub fn find(id: &str) -> Option<Rc<Lesson>> {
    let file = files().iter().position(|(_, declared, _)| declared == id);
    if let Some(l) = file.and_then(parsed).filter(|l| l.id == id) {
        return Some(l);
    }
    catalog().iter().find(|l| l.id == id).cloned()
}

/// The lessons [`parse_params`] needs for an address: the one `lesson=ID` names when it exists
/// (parsed alone), else the whole catalogue (for "did you mean"), or none without `lesson=`.
pub fn for_params(pairs: &[(String, String)]) -> Rc<Vec<Rc<Lesson>>> {
    match pairs.iter().rev().find(|(k, _)| k == "lesson") {
        None => Rc::default(),
        Some((_, id)) => match find(id) {
            Some(l) => Rc::new(vec![l]),
            None => catalog(),
        },
    }
}

/// What the student did with a step's question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Not yet answered: the step waits at the state before its ops.
    Open,
    /// Picked choice `i`.
    Chose(usize),
    /// Clicked the object at this address.
    Clicked(u64),
    /// Skipped.
    Skipped,
}

impl Reply {
    /// True once the question no longer holds the step.
    pub fn settled(self) -> bool {
        self != Reply::Open
    }
}

/// A lesson being played.
pub struct Run {
    pub lesson: Rc<Lesson>,
    /// Per step: where it starts and ends, highlights, answers.
    pub played: Vec<PlayedStep>,
    /// Current step (0-based).
    pub step: usize,
    /// Per step.
    pub replies: Vec<Reply>,
    /// Steps allowed (embed `from`/`to`), 0-based inclusive.
    pub first: usize,
    pub last: usize,
}

impl Run {
    /// Play a lesson into a new session. Errors (a lesson that does not replay) are reported as
    /// text; the checker keeps them out of the shipped course.
    pub fn start(lesson: Rc<Lesson>, first: usize, last: Option<usize>) -> Result<(Run, Session), String> {
        let played = lesson::play(&lesson).map_err(|e| e.to_string())?;
        if let Some(e) = played.errors.first() {
            return Err(e.to_string());
        }
        let n = played.steps.len();
        let last = last.unwrap_or(n - 1).min(n - 1);
        let first = first.min(last);
        let mut replies: Vec<Reply> =
            lesson.steps.iter().map(|s| if s.question.is_some() { Reply::Open } else { Reply::Skipped }).collect();
        // Steps before the shown range count as seen.
        for r in &mut replies[..first] {
            *r = Reply::Skipped;
        }
        let run = Run { lesson, played: played.steps, step: first, replies, first, last };
        Ok((run, played.session))
    }

    /// The event step the session should show for the current step: before the ops while its
    /// question is open, after them otherwise.
    pub fn target(&self) -> u64 {
        let p = &self.played[self.step];
        if self.replies[self.step].settled() {
            p.end
        } else {
            p.start
        }
    }

    /// Go to step `i` (clamped to the allowed range); the session follows.
    pub fn go(&mut self, i: usize, session: &mut Session) {
        self.step = i.clamp(self.first, self.last);
        session.seek(self.target());
    }

    /// Go to step `i` (clamped) at its first event (`at_start`) or where [`Run::target`] puts it;
    /// a step whose question is open stays at its start either way.
    pub fn go_to(&mut self, i: usize, at_start: bool, session: &mut Session) {
        self.step = i.clamp(self.first, self.last);
        session.seek(if at_start { self.played[self.step].start } else { self.target() });
    }

    /// The furthest step that may be shown: the first whose question is still open (steps after
    /// it would show what it asks to predict), else the last.
    pub fn reachable(&self) -> usize {
        (self.first..self.last).find(|&k| !self.replies[k].settled()).unwrap_or(self.last)
    }

    /// Answer (or skip) the current step's question; the session moves to the step's end.
    pub fn reply(&mut self, r: Reply, session: &mut Session) {
        if self.replies[self.step] == Reply::Open {
            self.replies[self.step] = r;
        }
        session.seek(self.target());
    }

    /// True if the reply to the current step was right.
    pub fn correct(&self) -> Option<bool> {
        let answer = self.played[self.step].answer.as_ref()?;
        match (self.replies[self.step], answer) {
            (Reply::Chose(i), Answer::Choice(j)) => Some(i == *j),
            (Reply::Clicked(a), Answer::Object { addr, .. }) => Some(a == *addr),
            _ => None,
        }
    }

    /// "Next" is held while the current step's question is open.
    pub fn can_advance(&self) -> bool {
        self.replies[self.step].settled() && self.step < self.last
    }

    /// What the current step highlights first (shown once the step's ops ran).
    pub fn highlight(&self) -> Option<slabscope_core::event::EntityRef> {
        if self.replies[self.step].settled() {
            self.played[self.step].highlight.first().copied()
        } else {
            None
        }
    }

    /// Panels for the current step.
    pub fn panels(&self) -> Vec<String> {
        let step = &self.lesson.steps[self.step];
        if !step.panels.is_empty() {
            step.panels.clone()
        } else if !self.lesson.panels.is_empty() {
            self.lesson.panels.clone()
        } else {
            lesson::DEFAULT_PANELS.iter().map(|s| s.to_string()).collect()
        }
    }
}

/// Embed-mode and lesson URL parameters. Every parameter is documented in README.md.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// `embed=1`: only the chosen panels and controls, sized for an iframe.
    pub embed: bool,
    /// `lesson=ID`.
    pub lesson: Option<String>,
    /// `from=N`: first step shown (1-based).
    pub from: Option<usize>,
    /// `to=M`: last step shown (1-based).
    pub to: Option<usize>,
    /// `panels=a,b,c`: views shown (overrides the lesson's).
    pub panels: Option<Vec<String>>,
    /// `lang=en|ja`.
    pub lang: Option<String>,
    /// `autoplay=1`: advance through the steps by itself.
    pub autoplay: bool,
    /// `controls=0`: hide the step buttons.
    pub controls: bool,
    /// `lstep=N`: the step to resume at (1-based; the app keeps it in the URL hash).
    pub lstep: Option<usize>,
    /// `exercise=KIND&seed=N&count=K&level=L`: an exercise set (a frame) or one exercise.
    pub exercise: Option<slabscope_core::exercise::SetRequest>,
}

/// Every parameter the address may carry: the lesson and embed ones (above), the sandbox's
/// document and step (`doc::read_url`), and the benchmark page's.
pub const KNOWN_PARAMS: &[&str] = &[
    "embed",
    "lesson",
    "from",
    "to",
    "panels",
    "lang",
    "autoplay",
    "controls",
    "lstep",
    "mode",
    "step",
    "cfg",
    "wl",
    "s",
    "bench",
    "ops",
    "compare",
    "cwl",
    "cpos", // Compare (issue 19).
    // Exercises (issue 20).
    "exercise",
    "seed",
    "count",
    "level",
    // Trace mode (issue 18): the trace a link needs (`state::trace::hash_param`), and
    // `traceworker=0` (the load on the page's thread, for the benchmark).
    "trace",
    "traceworker",
];

/// The known parameter an unknown one was probably meant to be: by edit distance, or the same
/// letters in another order (`form` → `from`).
pub fn suggest_param(key: &str) -> Option<String> {
    let sorted = |w: &str| {
        let mut c: Vec<char> = w.chars().collect();
        slabscope_core::sort::sort(&mut c);
        c
    };
    slabscope_core::suggest::suggest(key, KNOWN_PARAMS.iter().copied())
        .or_else(|| KNOWN_PARAMS.iter().find(|k| sorted(k) == sorted(key)).map(|k| k.to_string()))
}

fn flag(key: &str, v: &str, errors: &mut Vec<String>) -> bool {
    match v {
        "1" | "true" | "yes" => true,
        "0" | "false" | "no" => false,
        _ => {
            errors.push(format!("{key}={v}: expected 1 or 0"));
            false
        }
    }
}

/// Parse the query string (`?a=b&c=d`, already percent-decoded pairs). Unknown keys are left
/// to the rest of the app; every problem with these keys is reported, and the defaults kept.
pub fn parse_params(pairs: &[(String, String)], lessons: &[Rc<Lesson>]) -> (Params, Vec<String>) {
    let mut p = Params { controls: true, ..Params::default() };
    let mut errors = Vec::new();
    let get = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if let Some(v) = get("embed") {
        p.embed = flag("embed", v, &mut errors);
    }
    if let Some(v) = get("autoplay") {
        p.autoplay = flag("autoplay", v, &mut errors);
    }
    if let Some(v) = get("controls") {
        p.controls = flag("controls", v, &mut errors);
    }
    if let Some(v) = get("lang") {
        match v {
            "en" | "ja" => p.lang = Some(v.to_string()),
            _ => errors.push(format!("lang={v}: expected en or ja")),
        }
    }
    let lesson = match get("lesson") {
        None => None,
        Some(id) => match lessons.iter().find(|l| l.id == id) {
            Some(l) => {
                p.lesson = Some(id.to_string());
                Some(l)
            }
            None => {
                let hint = slabscope_core::suggest::suggest(id, lessons.iter().map(|l| l.id.as_str()))
                    .map_or(String::new(), |s| format!("; did you mean {s}?"));
                errors.push(format!("lesson={id}: no such lesson{hint}"));
                None
            }
        },
    };
    let steps = lesson.map_or(0, |l| l.steps.len());
    let mut step = |key: &str| -> Option<usize> {
        let v = get(key)?;
        match v.parse::<usize>() {
            Ok(n) if n >= 1 && (lesson.is_none() || n <= steps) => Some(n),
            Ok(n) if n >= 1 => {
                errors.push(format!("{key}={n}: the lesson has {steps} steps"));
                None
            }
            _ => {
                errors.push(format!("{key}={v}: expected a step number from 1"));
                None
            }
        }
    };
    p.from = step("from");
    p.to = step("to");
    p.lstep = step("lstep");
    if let (Some(f), Some(t)) = (p.from, p.to) {
        if f > t {
            errors.push(format!("from={f} is after to={t}"));
            p.from = None;
            p.to = None;
        }
    }
    if (p.from.is_some() || p.to.is_some()) && p.lesson.is_none() && !errors.iter().any(|e| e.starts_with("lesson=")) {
        errors.push("from/to need lesson=ID".to_string());
    }
    if let Some(v) = get("panels") {
        let mut list = Vec::new();
        for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if PANELS.contains(&name) {
                list.push(name.to_string());
            } else {
                let hint = slabscope_core::suggest::suggest(name, PANELS.iter().copied())
                    .map_or(String::new(), |s| format!("; did you mean {s}?"));
                errors.push(format!("panels: unknown panel {name}{hint} (known: {})", PANELS.join(", ")));
            }
        }
        if !list.is_empty() {
            p.panels = Some(list);
        }
    }
    p.exercise = crate::state::exercise::parse_set(get, &mut errors);
    let named = |e: &String| e.starts_with("lesson=") || e.starts_with("exercise=");
    if p.embed && p.lesson.is_none() && p.exercise.is_none() && !errors.iter().any(named) {
        errors.push("embed=1 needs lesson=ID or exercise=KIND".to_string());
    }
    let lang = p.lang.as_deref().and_then(Lang::from_code).unwrap_or(Lang::En);
    // A frame stuck on its first step helps nobody: the controls hide only while it plays itself.
    if !p.controls && !p.autoplay {
        p.controls = true;
        errors.push(t(lang, "param.controls_need_autoplay"));
    }
    for (key, _) in pairs {
        if !KNOWN_PARAMS.contains(&key.as_str()) && !errors.iter().any(|e| e.starts_with(&format!("{key}:"))) {
            let hint = suggest_param(key).map_or(String::new(), |s| tf(lang, "param.did_you_mean", &[("name", s)]));
            errors.push(tf(
                lang,
                "param.unknown",
                &[("key", key.clone()), ("hint", hint), ("known", KNOWN_PARAMS.join(", "))],
            ));
        }
    }
    (p, errors)
}

/// Pairs of a `a=b&c=d` string, percent-decoded by the browser.
fn decode_pairs(text: &str) -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(text) else { return Vec::new() };
    let mut out = Vec::new();
    let entries = js_sys::try_iter(&params.entries()).ok().flatten();
    for entry in entries.into_iter().flatten().flatten() {
        let pair = js_sys::Array::from(&entry);
        if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.push((k, v));
        }
    }
    out
}

/// The page address's parameters: the query string, then the hash (later pairs win, as the
/// app keeps its state in the hash).
pub fn url_pairs() -> Vec<(String, String)> {
    let Some(loc) = web_sys::window().map(|w| w.location()) else { return Vec::new() };
    let mut out = decode_pairs(&loc.search().unwrap_or_default());
    out.extend(decode_pairs(loc.hash().unwrap_or_default().trim_start_matches('#')));
    out
}

/// Progress per lesson id: the furthest step reached (1-based) and whether it was finished.
pub type Progress = BTreeMap<String, (usize, bool)>;

const PROGRESS_KEY: &str = "slabscope.progress.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Progress saved in this browser (empty when storage is unavailable, e.g. in a sandboxed frame).
pub fn load_progress() -> Progress {
    storage()
        .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Record that `id` reached `step` (1-based) of `total`; returns the progress now saved.
pub fn save_progress(id: &str, step: usize, total: usize) -> Progress {
    let mut p = load_progress();
    let e = p.entry(id.to_string()).or_insert((0, false));
    e.0 = e.0.max(step);
    e.1 |= step >= total;
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(&p)) {
        let _ = s.set_item(PROGRESS_KEY, &text);
    }
    p
}

/// A `<style>` body for the stage: every `[data-panel]` not in `panels` hidden, the others in
/// the order given (ids are validated names).
pub fn panel_css(panels: &[String]) -> String {
    let mut css = String::from("#stage [data-panel]{display:none !important}");
    let known = |p: &str| PANELS.contains(&p) || crate::state::views::TRACE_VIEWS.contains(&p);
    for (i, p) in panels.iter().filter(|p| known(p.as_str())).enumerate() {
        // The first view is the step's picture: a whole row of the stage.
        let row = if i == 0 { ";flex-basis:100%" } else { "" };
        css.push_str(&format!(" #stage [data-panel=\"{p}\"]{{display:revert !important;order:{}{row}}}", i + 1));
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn lessons() -> Vec<Rc<Lesson>> {
        install(include_str!("../../lessons/docs.tsv"));
        files()
            .iter()
            .map(|(n, _, json)| {
                let doc = serde_json::from_str(json).expect("lesson documents read");
                Rc::new(lesson::from_doc(n, &doc).expect("lessons parse"))
            })
            .collect()
    }

    #[test]
    fn embed_parameters_parse() {
        let ls = lessons();
        let (p, errors) = parse_params(
            &pairs("embed=1&lesson=buddy-split&from=2&to=3&panels=buddy,memory&lang=ja&autoplay=1&controls=0"),
            &ls,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            p,
            Params {
                embed: true,
                lesson: Some("buddy-split".into()),
                from: Some(2),
                to: Some(3),
                panels: Some(vec!["buddy".into(), "memory".into()]),
                lang: Some("ja".into()),
                autoplay: true,
                controls: false,
                lstep: None,
                exercise: None,
            }
        );
    }

    #[test]
    fn unknown_parameters_get_a_suggestion_and_controls_need_autoplay() {
        let ls = lessons();
        let (p, errors) = parse_params(&pairs("embed=1&lesson=buddy-split&panel=buddy&form=2&controls=0"), &ls);
        let all = errors.join("\n");
        assert!(all.contains("panel: unknown parameter; did you mean panels?"), "{all}");
        assert!(all.contains("form: unknown parameter; did you mean from?"), "{all}");
        assert!(p.controls, "controls stay without autoplay: {all}");
        assert!(all.contains("controls=0"), "{all}");
        let (p, errors) = parse_params(&pairs("embed=1&lesson=buddy-split&controls=0&autoplay=yes&zzzz=1"), &ls);
        assert!(!p.controls && p.autoplay);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("zzzz: unknown parameter (known: embed,"), "{errors:?}");
        // A trace link (its own `trace=` and the benchmark's `traceworker=`) is understood.
        let (_, errors) =
            parse_params(&pairs("mode=trace&step=777&trace=kmem-ls-sort-2000.perf.txt&traceworker=0"), &ls);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn bad_parameters_are_reported_one_by_one() {
        let ls = lessons();
        let (p, errors) = parse_params(&pairs("embed=1&lesson=buddy-splt&panels=buddi&lang=fr&autoplay=maybe"), &ls);
        assert!(p.lesson.is_none() && p.panels.is_none() && p.lang.is_none() && !p.autoplay);
        let all = errors.join("\n");
        assert!(all.contains("did you mean buddy-split?"), "{all}");
        assert!(all.contains("unknown panel buddi; did you mean buddy?"), "{all}");
        assert!(all.contains("lang=fr"), "{all}");
        assert!(all.contains("autoplay=maybe"), "{all}");
        let (_, errors) = parse_params(&pairs("lesson=buddy-split&from=3&to=2"), &ls);
        assert_eq!(errors, vec!["from=3 is after to=2".to_string()]);
        let (_, errors) = parse_params(&pairs("lesson=buddy-split&to=99"), &ls);
        assert!(errors[0].contains("has 3 steps"), "{errors:?}");
    }

    #[test]
    fn questions_hold_the_step_until_answered() {
        let l = lessons().into_iter().find(|l| l.id == "buddy-split").unwrap();
        let (mut run, mut s) = Run::start(l, 0, None).unwrap();
        run.go(1, &mut s);
        assert!(!run.can_advance(), "the question of step 2 is open");
        assert_eq!(s.step(), run.played[1].start);
        let Some(Answer::Choice(right)) = run.played[1].answer.clone() else { panic!("a choice answer") };
        run.reply(Reply::Chose(right), &mut s);
        assert_eq!(run.correct(), Some(true));
        assert_eq!(s.step(), run.played[1].end);
        assert!(run.can_advance());
    }

    #[test]
    fn panel_css_only_names_known_panels() {
        let css = panel_css(&["buddy".into(), "x\"]{}".into()]);
        assert!(
            css.contains("[data-panel=\"buddy\"]{display:revert !important;order:1;flex-basis:100%}")
                && !css.contains("x\""),
            "{css}"
        );
        assert_eq!(panel_css(&[]), "#stage [data-panel]{display:none !important}");
        let css = panel_css(&["log".into(), "memory".into()]);
        assert!(
            css.find("\"log\"]{display:revert !important;order:1")
                < css.find("\"memory\"]{display:revert !important;order:2}")
        );
    }

    /// How many lesson files this thread has parsed.
    fn files_parsed() -> usize {
        PARSED.with(|p| p.borrow().iter().filter(|e| e.is_some()).count())
    }

    /// #14: a lesson link parses the one file that declares the lesson, and finds the same
    /// lesson the catalogue has (for every lesson); an unknown id still gets its hint.
    #[test]
    fn a_lesson_link_parses_only_its_own_file() {
        let all = lessons();
        assert!(all.len() > 1);
        for l in &all {
            let files = files();
            let (name, declared, _) = files.iter().find(|(n, _, _)| *n == l.file).expect("its file");
            assert_eq!(declared, &l.id, "{name}");
        }
        let (p, errors) =
            parse_params(&pairs("lesson=slub-fast-path&lstep=2"), &for_params(&pairs("lesson=slub-fast-path&lstep=2")));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((p.lesson.as_deref(), p.lstep), (Some("slub-fast-path"), Some(2)));
        assert_eq!(files_parsed(), 1, "only slub-fast-path's file is parsed");
        assert!(for_params(&pairs("mode=sandbox")).is_empty());
        assert_eq!(files_parsed(), 1);
        for l in &all {
            assert_eq!(find(&l.id).as_deref(), Some(&**l));
        }
        assert_eq!(files_parsed(), files().len());
        let (_, errors) = parse_params(&pairs("lesson=slub-fast-pth"), &for_params(&pairs("lesson=slub-fast-pth")));
        assert_eq!(errors, ["lesson=slub-fast-pth: no such lesson; did you mean slub-fast-path?"]);
    }
}

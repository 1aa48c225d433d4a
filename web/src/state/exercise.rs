//! The Exercises mode and the exercise embed (issue 20): the exercise on screen (made by
//! `core::exercise::generate`, its session built from its op script), the student's answer
//! graded by the core, an embed's set of `count` questions kept by the core's `Tally`, and the
//! `slabscope:score` messages the app posts to the host page (`hooks::use_score_post`).
//! No allocator logic: questions, answers, grades and explanations all come from the core.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::exercise::score::{ScoreMessage, Tally};
use slabscope_core::exercise::{self, Answer, Exercise, Grade, Response, SetRequest};
use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use slabscope_core::session::Session;

use super::State;
use crate::doc::Mode;

/// What the exercise views ask the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum ExerciseMsg {
    /// Another exercise: a kind, level and seed (the picker, "new exercise").
    Open { kind: String, level: u8, seed: u64 },
    /// The student's answer to the exercise on screen.
    Answer(Response),
    /// An embed's next question (after the last one: the score card).
    Next,
    /// Play the asked operations' steps from the state the question was asked in.
    Replay,
}

/// The exercise on screen.
#[derive(Clone)]
pub struct Current {
    pub ex: Rc<Exercise>,
    /// Its session (the exercise's script run): what every view shows in this mode.
    pub session: Rc<RefCell<Session>>,
    /// Position in the embed's set (0 outside a set).
    pub index: u32,
    /// The answer given and its grade, once answered.
    pub graded: Option<(Response, Grade)>,
}

/// Everything the mode keeps.
#[derive(Clone, Default)]
pub struct Exercises {
    pub current: Option<Current>,
    /// An embed's set (`exercise=KIND&seed=N&count=K&level=L`) and its score.
    pub tally: Option<Tally>,
    /// The embed's set is over: the score card shows.
    pub finished: bool,
    /// Right answers and answers given in the mode (outside a set).
    pub right: u32,
    pub answered: u32,
    /// An embed's answers so far (exercise, answer, right), for the score card.
    pub history: Vec<(Rc<Exercise>, Response, bool)>,
    /// Every score message so far, in order (each is posted once).
    pub outbox: Vec<ScoreMessage>,
    /// The other modes' session while this mode shows the exercise's.
    pub outer: Option<Rc<RefCell<Session>>>,
    /// Why the last exercise could not be made.
    pub error: Option<String>,
}

impl Exercises {
    /// The set's score so far and its size (an embed), or the mode's right / answered.
    pub fn score(&self) -> (u32, u32) {
        match &self.tally {
            Some(t) => (t.score(), t.request.count),
            None => (self.right, self.answered),
        }
    }
}

/// Make exercise `index` of a set (or a lone one) and its session, at the question's step.
fn build(kind: &str, seed: u64, level: u8, index: u32) -> Result<Current, String> {
    let ex = exercise::generate(kind, seed, level).map_err(|e| e.to_string())?;
    let mut session = script::load(&ex.script, &MachineConfig::default(), &[]).map_err(|e| e.to_string())?;
    session.seek(ex.ask_step);
    Ok(Current { ex: Rc::new(ex), session: Rc::new(RefCell::new(session)), index, graded: None })
}

/// What the views select for an exercise: the cache it asks about (so the cache views show it,
/// not the first cache), and once answered the answer itself (the object; a buddy pfn's page).
fn focus(c: &Current) -> Option<EntityRef> {
    let s = c.session.borrow();
    let name = match &c.ex.answer {
        Answer::Object { cache, .. } => cache.as_str(),
        // Every slab kind's questions are about cache `c`.
        _ => "c",
    };
    let cache = s.head().slab.cache_by_name(name);
    let buddy = exercise::kind(c.ex.kind).is_ok_and(|k| k.area == "buddy");
    match (&c.ex.answer, c.graded.is_some(), cache) {
        (Answer::Object { addr, .. }, true, Some(cache)) => Some(EntityRef::Object { cache, addr: *addr }),
        (Answer::Number { value }, true, None) if buddy => {
            u32::try_from(*value).ok().map(|pfn| EntityRef::Page { pfn })
        }
        (_, _, Some(cache)) => Some(EntityRef::Cache { cache }),
        _ => None,
    }
}

/// A seed for "new exercise" (small, so it is easy to read out and type again).
pub fn random_seed() -> u64 {
    (js_sys::Math::random() * 1_000_000.0) as u64
}

/// The exercise parameters of the address (`exercise`, `seed`, `count`, `level`), each problem
/// reported with its key and the core's message (unknown kinds get a suggestion).
pub fn parse_set<'a>(get: impl Fn(&str) -> Option<&'a str>, errors: &mut Vec<String>) -> Option<SetRequest> {
    let mut bad = |key: &str, v: &str, e: exercise::ExerciseError| errors.push(format!("{key}={v}: {e}"));
    let kind = get("exercise").and_then(|v| exercise::kind(v).map_err(|e| bad("exercise", v, e)).ok());
    let seed = get("seed").and_then(|v| exercise::parse_seed(v).map_err(|e| bad("seed", v, e)).ok());
    let count = get("count").and_then(|v| exercise::parse_count(v).map_err(|e| bad("count", v, e)).ok());
    let level = get("level").and_then(|v| exercise::parse_level(v).map_err(|e| bad("level", v, e)).ok());
    let Some(kind) = kind else {
        if get("exercise").is_none() && ["seed", "count", "level"].iter().any(|k| get(k).is_some()) {
            errors.push("seed/count/level need exercise=KIND".to_string());
        }
        return None;
    };
    // The core's defaults for whatever the address leaves out.
    let base = SetRequest::from_pairs([("exercise", kind.id)]).ok().flatten()?;
    Some(SetRequest {
        seed: seed.unwrap_or(base.seed),
        count: count.unwrap_or(base.count),
        level: level.unwrap_or(base.level),
        ..base
    })
}

/// The views each layer's exercises show (before the user's own choices).
pub fn area_panels(area: &str) -> Option<&'static [&'static str]> {
    Some(match area {
        "buddy" => &["memory", "buddy", "buddyinfo", "log"],
        "slub" => &["cache", "percpu", "log"],
        "slab" => &["cache", "caches", "log"],
        "percpu" => &["percpu", "cache", "log"],
        "superslab" => &["superslab", "memory", "log"],
        _ => return None,
    })
}

impl State {
    /// The exercise that holds the step controls: the one on screen in this mode.
    pub fn shown_exercise(&self) -> Option<&Current> {
        self.exercises.current.as_ref().filter(|_| self.mode == Mode::Exercises)
    }

    /// Steps the controls may move within: up to the question's state while it is open (the
    /// operations already done), the whole script once it is answered (the explanation).
    pub fn exercise_bounds(&self) -> Option<(u64, u64)> {
        let c = self.shown_exercise()?;
        Some((0, if c.graded.is_some() { c.ex.to_step } else { c.ex.ask_step }))
    }

    /// The views of the exercise on screen: an embed's `panels=`, else its layer's.
    pub fn exercise_views(&self) -> Option<Vec<String>> {
        let c = self.shown_exercise()?;
        if let Some(p) = self.params.panels.clone().filter(|_| self.params.embed) {
            return Some(p);
        }
        let area = exercise::kind(c.ex.kind).map_or("", |k| k.area);
        let panels = area_panels(area).unwrap_or(slabscope_core::lesson::DEFAULT_PANELS);
        Some(panels.iter().map(|s| s.to_string()).collect())
    }

    /// Change mode: entering Exercises shows the exercise's session (a new exercise the first
    /// time), leaving gives the other modes their session back.
    pub(super) fn switch_mode(&mut self, m: Mode) {
        let (was, now) = (self.mode == Mode::Exercises, m == Mode::Exercises);
        self.mode = m;
        if now && !was {
            self.enter_exercises();
        } else if was && !now {
            if let Some(outer) = Rc::make_mut(&mut self.exercises).outer.take() {
                self.session = outer;
                self.playing = false;
            }
        }
    }

    fn enter_exercises(&mut self) {
        if self.exercises.current.is_none() {
            let first = &exercise::KINDS[0];
            self.open_exercise(first.id, 1, random_seed(), 0);
        }
        self.mode = Mode::Exercises;
        let Some(session) = self.exercises.current.as_ref().map(|c| c.session.clone()) else { return };
        if !Rc::ptr_eq(&self.session, &session) {
            let outer = std::mem::replace(&mut self.session, session);
            Rc::make_mut(&mut self.exercises).outer = Some(outer);
        }
        self.selection = self.exercises.current.as_ref().and_then(focus);
        self.hover = None;
        self.playing = false;
    }

    /// Make an exercise the one on screen (in this mode its session is the one shown).
    fn open_exercise(&mut self, kind: &str, level: u8, seed: u64, index: u32) {
        let ex = Rc::make_mut(&mut self.exercises);
        match build(kind, seed, level, index) {
            Ok(c) => {
                ex.error = None;
                if self.mode == Mode::Exercises {
                    self.session = c.session.clone();
                    self.selection = focus(&c);
                    self.hover = None;
                    self.playing = false;
                }
                ex.current = Some(c);
            }
            Err(e) => ex.error = Some(e),
        }
    }

    /// Open the address's exercise (`exercise=` …): in a frame the set, else one exercise in
    /// the Exercises mode; `#mode=exercises` alone opens a new one.
    pub(super) fn start_exercises(&mut self, url_mode: Option<Mode>) {
        let Some(req) = self.params.exercise.clone() else {
            if self.mode == Mode::Exercises && !self.params.embed {
                self.mode = Mode::Sandbox;
                self.switch_mode(Mode::Exercises);
            }
            return;
        };
        if self.params.embed {
            if self.lesson.is_some() {
                Rc::make_mut(&mut self.param_errors).push(format!(
                    "exercise={}: a frame shows one lesson or one exercise set; showing the lesson",
                    req.kind
                ));
                return;
            }
            Rc::make_mut(&mut self.exercises).tally = Some(Tally::new(req.clone()));
        }
        // Made outside the mode first; entering it below shows its session.
        if self.mode == Mode::Exercises {
            self.mode = Mode::Sandbox;
        }
        self.open_exercise(req.kind, req.level, req.seed, 0);
        if let Some(e) = self.exercises.error.clone() {
            Rc::make_mut(&mut self.param_errors).push(e);
        }
        if self.params.embed || url_mode == Some(Mode::Exercises) || (url_mode.is_none() && self.lesson.is_none()) {
            self.enter_exercises();
        }
    }

    /// An exercise action.
    pub(super) fn exercise_msg(&mut self, msg: ExerciseMsg) {
        match msg {
            ExerciseMsg::Open { kind, level, seed } => {
                // A frame's set is fixed by its address.
                if self.exercises.tally.is_none() {
                    self.open_exercise(&kind, level, seed, 0);
                }
            }
            ExerciseMsg::Answer(r) => self.answer(r),
            ExerciseMsg::Next => {
                let Some(t) = self.exercises.tally.clone() else { return };
                let answered = self.exercises.current.as_ref().is_some_and(|c| c.graded.is_some());
                if t.done() {
                    Rc::make_mut(&mut self.exercises).finished = true;
                } else if answered {
                    let next = t.grades.len() as u32;
                    let r = &t.request;
                    self.open_exercise(r.kind, r.level, r.seed.wrapping_add(u64::from(next)), next);
                }
            }
            ExerciseMsg::Replay => {
                if let Some(c) = self.shown_exercise().filter(|c| c.graded.is_some()) {
                    c.session.borrow_mut().seek(c.ex.ask_step);
                    self.playing = true;
                }
            }
        }
    }

    /// Grade an answer (once per exercise); in a set the tally gives the messages to post.
    fn answer(&mut self, r: Response) {
        let ex = Rc::make_mut(&mut self.exercises);
        let Some(c) = ex.current.as_mut().filter(|c| c.graded.is_none()) else { return };
        let grade = match &mut ex.tally {
            Some(t) => {
                let (g, msgs) = t.answer(c.index, &c.ex, &r);
                if !msgs.is_empty() {
                    ex.history.push((c.ex.clone(), r.clone(), g.correct));
                }
                ex.outbox.extend(msgs);
                g
            }
            None => {
                let g = c.ex.grade(&r);
                ex.answered += 1;
                ex.right += u32::from(g.correct);
                g
            }
        };
        c.graded = Some((r, grade));
        // The explanation starts where the question was asked; the controls step through it.
        c.session.borrow_mut().seek(c.ex.ask_step);
        self.selection = focus(c);
        self.playing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> (Option<SetRequest>, Vec<String>) {
        let pairs: Vec<(&str, &str)> = q.split('&').filter_map(|kv| kv.split_once('=')).collect();
        let mut errors = Vec::new();
        let req = parse_set(|k| pairs.iter().rev().find(|p| p.0 == k).map(|p| p.1), &mut errors);
        (req, errors)
    }

    #[test]
    fn set_parameters_parse_with_the_cores_defaults() {
        let (req, errors) = parse("exercise=buddy-pfn&seed=0x10&count=3&level=2");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(req, Some(SetRequest { kind: "buddy-pfn", seed: 16, count: 3, level: 2 }));
        let (req, _) = parse("exercise=slub-path");
        assert_eq!(req, SetRequest::from_pairs([("exercise", "slub-path")]).unwrap());
    }

    #[test]
    fn bad_set_parameters_are_reported_one_by_one() {
        let (req, errors) = parse("exercise=slub-pth&seed=x&count=99&level=4");
        assert!(req.is_none());
        let all = errors.join("\n");
        assert!(all.contains("exercise=slub-pth: unknown exercise `slub-pth`"), "{all}");
        assert!(all.contains("did you mean `slub-path`?"), "{all}");
        assert!(all.contains("seed=x: seed `x` is not a number"), "{all}");
        assert!(all.contains("count=99: count `99` is outside 1..=50"), "{all}");
        assert!(all.contains("level=4: level `4` is outside 1..=3"), "{all}");
        let (req, errors) = parse("seed=3");
        assert!(req.is_none());
        assert_eq!(errors, vec!["seed/count/level need exercise=KIND".to_string()]);
        // A bad value leaves the default and keeps the set.
        let (req, errors) = parse("exercise=buddyinfo&level=0");
        assert_eq!(req.map(|r| r.level), Some(1));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn every_kind_has_views() {
        for k in exercise::KINDS {
            let panels = area_panels(k.area).unwrap_or_else(|| panic!("{} has no views of its own", k.id));
            assert!(panels.iter().all(|p| slabscope_core::lesson::PANELS.contains(p)), "{}", k.id);
        }
    }

    #[test]
    fn an_exercise_opens_at_its_question() {
        let c = build("buddy-pfn", 7, 2, 0).unwrap();
        assert_eq!(c.session.borrow().step(), c.ex.ask_step);
        assert_eq!(c.session.borrow().total_steps(), c.ex.to_step);
        assert!(build("nope", 1, 1, 0).err().is_some_and(|e| e.contains("unknown exercise")));
    }

    #[test]
    fn the_views_follow_the_exercises_cache_then_its_answer() {
        let mut c = build("slub-object", 5, 2, 0).unwrap();
        let Some(EntityRef::Cache { cache }) = focus(&c) else { panic!("cache c is selected") };
        assert_eq!(c.session.borrow().head().cache_name(cache), "c");
        let right = c.ex.right_response();
        c.graded = Some((right.clone(), c.ex.grade(&right)));
        let Answer::Object { addr, .. } = c.ex.answer else { panic!("an object answer") };
        assert_eq!(focus(&c), Some(EntityRef::Object { cache, addr }));
        let mut b = build("buddy-pfn", 5, 1, 0).unwrap();
        assert_eq!(focus(&b), None);
        b.graded = Some((Response::Number(0), b.ex.grade(&Response::Number(0))));
        let Answer::Number { value } = b.ex.answer else { panic!("a number answer") };
        assert_eq!(focus(&b), Some(EntityRef::Page { pfn: value as u32 }));
    }
}

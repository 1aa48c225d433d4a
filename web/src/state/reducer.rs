//! The reducer: every [`Action`] applied to a copy of the state (the session is shared and
//! changed in place; `version` tells the views).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::script;
use yew::prelude::*;

use super::compare::CompareMsg;
use super::init::build_some;
use super::{prefs, Action, State, Theme, SPEEDS};
use crate::doc::{self, Doc, Purpose};
use crate::i18n::{tf, Lang};

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The pointer moving within one entity changes nothing: no re-render.
        if matches!(&action, Action::Hover(e) if *e == self.hover) {
            return self;
        }
        let mut st = (*self).clone();
        // Notes shown until the next action (a copy's result, a command's error).
        let notes = st.command_error.is_some() || st.copied.is_some() || st.embed_copied.is_some();
        st.command_error = None;
        st.copied = None;
        st.embed_copied = None;
        // In a lesson the step controls stay within the lesson step's events (see `bounds`).
        let (lo, hi) = st.bounds();
        let at = st.session.borrow().step();
        // Compare mode: the step keys and buttons move the comparison's shared cursor.
        let action = match st.compare_cursor(&action) {
            Some(m) => Action::Compare(m),
            None => action,
        };
        // s12-compare: a compare step, pick, hover or build slice changes only `compare`, whose
        // panel follows it through its own context (`views::compare::CompareCtx`): `version`
        // (what the shell components' `state` prop compares) stays, so the header, mode panel,
        // playback bar and stage are not rendered again.
        let compare_only = !notes
            && matches!(
                &action,
                Action::Compare(
                    CompareMsg::Seek(_)
                        | CompareMsg::Step(_)
                        | CompareMsg::Start
                        | CompareMsg::End
                        | CompareMsg::Pick(..)
                        | CompareMsg::Hover(..)
                        | CompareMsg::BuildChunk
                )
            );
        if !compare_only {
            st.version += 1;
        }
        match action {
            Action::Event(d) => {
                if (d > 0 && at >= hi) || (d < 0 && at <= lo) {
                    st.cross_lesson_step(d > 0);
                } else {
                    st.session.borrow_mut().seek(at.saturating_add_signed(d).clamp(lo, hi));
                }
            }
            Action::Op(d) => {
                if (d > 0 && at >= hi) || (d < 0 && at <= lo) {
                    st.cross_lesson_step(d > 0);
                } else {
                    let mut s = st.session.borrow_mut();
                    let total = s.total_steps();
                    let to = if d > 0 {
                        // The end of the op the next step belongs to.
                        s.op_of_event(s.step()).map_or(total, |k| s.op_events_range(k).end)
                    } else {
                        match s.current_op() {
                            None | Some(0) => 0,
                            Some(k) if s.step() > s.op_events_range(k).start + 1 => s.op_events_range(k).start,
                            Some(k) => s.op_events_range(k - 1).start,
                        }
                    };
                    s.seek(to.clamp(lo, hi));
                }
            }
            Action::Seek(step) => super::trace::timed_seek(&mut st.session.borrow_mut(), step.clamp(lo, hi)),
            Action::SeekWithin(step) => {
                st.session.borrow_mut().seek_within(step.clamp(lo, hi), super::DRAG_REPLAY_OPS);
            }
            Action::Start => super::trace::timed_seek(&mut st.session.borrow_mut(), lo),
            Action::End => super::trace::timed_seek(&mut st.session.borrow_mut(), hi),
            Action::TogglePlay => st.playing = !st.playing && at < hi,
            Action::Tick(n) => {
                if at >= hi {
                    st.playing = false;
                } else {
                    st.session.borrow_mut().seek((at + n).min(hi));
                }
            }
            Action::ToggleView(v) => st.toggle_view(&v),
            Action::ResetViews => st.reset_views(),
            Action::Faster => st.speed = (st.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => st.speed = st.speed.saturating_sub(1),
            Action::ToggleLang => {
                st.lang = if st.lang == Lang::En { Lang::Ja } else { Lang::En };
                prefs::save_lang(st.lang);
            }
            Action::ToggleHelp => st.help = !st.help,
            Action::CloseHelp => st.help = false,
            Action::SetMode(m) => st.switch_mode(m),
            Action::BuildChunk => {
                let step = st.building.as_ref().and_then(|b| b.borrow_mut().as_mut().map(build_some));
                match step {
                    None | Some(Ok(false)) => {}
                    Some(Ok(true)) => {
                        if let Some(b) = st.building.take().and_then(|b| b.borrow_mut().take()) {
                            let at = b.purpose.at();
                            let (doc, session) = b.finish();
                            st.install(doc, session, at);
                        }
                    }
                    Some(Err(e)) => {
                        // The old session stays; the error goes where the build came from.
                        let purpose = st.building.take().and_then(|b| b.borrow_mut().take()).map(|b| b.purpose);
                        let text = e.text(st.lang);
                        match purpose {
                            Some(Purpose::Url { .. }) => st.notice = Some(format!("s: {text}")),
                            Some(Purpose::Upload { name }) => st.sandbox_error = Some(format!("{name}:{text}")),
                            _ => st.sandbox_error = Some(text),
                        }
                    }
                }
            }
            Action::CycleTheme => {
                st.theme = match st.theme {
                    Theme::System => Theme::Dark,
                    Theme::Dark => Theme::Light,
                    Theme::Light => Theme::System,
                };
                prefs::save_theme(st.theme);
            }
            Action::Copied(ok) => st.copied = Some(ok),
            Action::Command(line) => {
                let line = line.trim().to_string();
                if !line.is_empty() {
                    Rc::make_mut(&mut st.history).push(line.clone());
                    if let Err(e) = run_command(&mut st, &line) {
                        st.command_error = Some(e);
                    }
                }
            }
            Action::Workload(w) => {
                st.sandbox_error = None;
                let base = st.doc.as_deref().cloned().unwrap_or_else(Doc::demo);
                let result = if w.count == 0 || w.count > doc::MAX_WORKLOAD {
                    Err(tf(st.lang, "ui.wl.bad_count", &[("max", doc::MAX_WORKLOAD.to_string())]))
                } else {
                    // Built in chunks (Action::BuildChunk): the old session stays until it is done.
                    Doc { config: base.config, workload: Some(w), script: String::new() }
                        .builder()
                        .map(|b| st.building = Some(Rc::new(RefCell::new(Some(b)))))
                        .map_err(|e| e.text(st.lang))
                };
                st.sandbox_error = result.err();
            }
            Action::Configure(settings) => {
                let base = st.doc.as_deref().cloned().unwrap_or_else(Doc::demo);
                // Rebuilt like an upload: at once when small, else in chunks.
                st.sandbox_error = doc::config_from_settings(&settings)
                    .and_then(|config| {
                        let b = Doc { config, ..base }.builder().map_err(|e| e.text(st.lang))?;
                        start_build(&mut st, b).map_err(|e| e.text(st.lang))
                    })
                    .err();
            }
            Action::Select(e) => st.selection = e,
            Action::Hover(e) => st.hover = e,
            Action::EmbedCopied(ok) => st.embed_copied = Some(ok),
            Action::Lesson(msg) => st.lesson_msg(msg),
            Action::Exercise(msg) => st.exercise_msg(msg),
            a @ (Action::TraceStart(_)
            | Action::TraceProgress
            | Action::TraceLoaded(..)
            | Action::TraceFailed(..)
            | Action::TraceCancel
            | Action::TraceFilter(..)
            | Action::TraceWanted(_)) => st.trace_action(a),
            Action::Upload(name, text) => {
                // Built like a workload: a small file at once, a large one in chunks (the old
                // session stays until it succeeds).
                let built = Doc::from_ops_file(&text).and_then(|mut b| {
                    b.purpose = Purpose::Upload { name: name.clone() };
                    start_build(&mut st, b)
                });
                st.sandbox_error = built.err().map(|e| format!("{name}:{}", e.text(st.lang)));
            }
            Action::Compare(msg) => st.compare_msg(msg),
        }
        // The pointer moving within one entity of a column changes nothing: no re-render.
        if compare_only && Rc::ptr_eq(&st.compare, &self.compare) {
            return self;
        }
        Rc::new(st)
    }
}

/// Build `b` for one time slice: install it when done, else leave it to [`Action::BuildChunk`]
/// (the old session stays meanwhile).
fn start_build(st: &mut State, mut b: doc::Builder) -> Result<(), doc::BuildError> {
    if build_some(&mut b)? {
        let at = b.purpose.at();
        let (doc, session) = b.finish();
        st.install(doc, session, at);
    } else {
        st.building = Some(Rc::new(RefCell::new(Some(b))));
    }
    Ok(())
}

/// Run a command-bar line: `config ...` rebuilds the machine (a new session with the line's ops);
/// other ops are appended to the session and the script, and the view shows their last step.
/// Errors are located; a failing line changes nothing.
fn run_command(st: &mut State, line: &str) -> Result<(), String> {
    let lang = st.lang;
    let col = |e: script::ScriptError| crate::errors::command_error(lang, &e);
    let mut names = st.session.borrow().names().clone();
    let prog = script::parse(line, &mut names).map_err(col)?;
    if !prog.settings.is_empty() {
        let config = prog.apply_config(st.session.borrow().config()).map_err(col)?;
        let script: String = prog.ops.iter().map(|op| format!("{}\n", op.to_script(&names))).collect();
        return st.rebuild(Doc { config, workload: None, script }, u64::MAX);
    }
    let line_no = st.doc.as_ref().map_or(0, |d| d.script.lines().count() as u32 + 1);
    {
        let mut s = st.session.borrow_mut();
        *s.names_mut() = names;
        let before = s.op_count();
        for op in prog.ops {
            if let Err(e) = s.push(op, line_no) {
                s.truncate(before);
                return Err(crate::errors::op_error(lang, &e));
            }
        }
        let end = s.total_steps();
        s.seek(end);
    }
    if let Some(d) = &mut st.doc {
        let d = Rc::make_mut(d);
        if !d.script.is_empty() && !d.script.ends_with('\n') {
            d.script.push('\n');
        }
        d.script.push_str(line);
        d.script.push('\n');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use slabscope_core::compare::{Comparison, OwnedWork};

    use super::*;
    use crate::state::{compare::CompareState, Mode};

    /// A state in Compare mode over the demo's session (SLUB beside SLAB), built without the
    /// browser (`initial_state` reads the address and this browser's storage).
    fn compare_state() -> State {
        let d = Doc::demo();
        let session = d.build().expect("the demo builds");
        let ops: Vec<_> = (0..session.op_count()).filter_map(|k| session.op(k).copied()).collect();
        let lines = (0..ops.len()).map(|k| session.op_line(k)).collect();
        let work = OwnedWork::Ops { names: session.names().clone(), ops, lines };
        let cmp = Comparison::builder_owned(work, session.config(), &["slab=slub", "slab=slab"], 1)
            .and_then(|b| b.finish())
            .expect("the comparison builds");
        let compare = CompareState { run: Some(Rc::new(RefCell::new(cmp))), position: 1, ..CompareState::default() };
        State {
            session: Rc::new(RefCell::new(session)),
            doc: Some(Rc::new(d)),
            mode: Mode::Compare,
            lang: Lang::En,
            playing: false,
            speed: 3,
            help: false,
            notice: None,
            trace: None,
            loading: None,
            trace_filter: Rc::default(),
            trace_wanted: None,
            trace_link: None,
            trace_error: None,
            building: None,
            history: Rc::default(),
            command_error: None,
            sandbox_error: None,
            theme: Theme::System,
            copied: None,
            selection: None,
            hover: None,
            lesson: None,
            progress: Rc::default(),
            params: Rc::default(),
            param_errors: Rc::default(),
            embed_copied: None,
            view_toggles: Rc::default(),
            exercises: Rc::default(),
            version: 0,
            compare: Rc::new(compare),
        }
    }

    /// #19 (s12-compare): a compare step moves the shared cursor without bumping `version`, so
    /// the shell (header, mode panel, playback bar, stage) is not rendered again; anything else
    /// bumps it.
    #[test]
    fn a_compare_step_leaves_the_version() {
        let st = Rc::new(compare_state());
        let step = st.session.borrow().step();
        let total = st.compare.run.as_ref().unwrap().borrow().positions();
        assert!(total > 3, "the demo has a few ops ({total})");
        let st = st.reduce(Action::Op(1));
        assert_eq!((st.compare.position, st.version), (2, 0), "→ moves the cursor, not the version");
        let st = st.reduce(Action::Compare(CompareMsg::Step(-1)));
        assert_eq!((st.compare.position, st.version), (1, 0));
        let st = st.reduce(Action::End);
        assert_eq!((st.compare.position, st.version), (total, 0));
        let st = st.reduce(Action::Compare(CompareMsg::Seek(2)));
        assert_eq!((st.compare.position, st.version), (2, 0));
        // The sandbox session under it did not move.
        assert_eq!(st.session.borrow().step(), step);
        // Not a compare step: the shell renders.
        let st = st.reduce(Action::ToggleHelp);
        assert_eq!((st.help, st.version), (true, 1));
        // A step after a note (a copy's result) bumps it too: the note is cleared in the shell.
        let mut noted = (*st).clone();
        noted.copied = Some(true);
        let st = Rc::new(noted).reduce(Action::Op(1));
        assert_eq!((st.compare.position, st.version, st.copied), (3, 2, None));
    }
}

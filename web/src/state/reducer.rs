//! The reducer: every [`Action`] applied to a copy of the state (the session is shared and
//! changed in place; `version` tells the views).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::script;
use yew::prelude::*;

use super::{prefs, Action, State, Theme, SPEEDS};
use crate::doc::{self, Doc};
use crate::i18n::{tf, Lang};

/// Ops run per chunk while a large workload builds (the page stays responsive in between).
const BUILD_CHUNK: usize = 2000;

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The pointer moving within one entity changes nothing: no re-render.
        if matches!(&action, Action::Hover(e) if *e == self.hover) {
            return self;
        }
        let mut st = (*self).clone();
        st.version += 1;
        st.command_error = None;
        st.copied = None;
        st.embed_copied = None;
        // In a lesson the step controls stay within the lesson step's events (see `bounds`).
        let (lo, hi) = st.bounds();
        let at = st.session.borrow().step();
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
            Action::Seek(step) => st.session.borrow_mut().seek(step.clamp(lo, hi)),
            Action::Start => st.session.borrow_mut().seek(lo),
            Action::End => st.session.borrow_mut().seek(hi),
            Action::TogglePlay => st.playing = !st.playing && at < hi,
            Action::Tick(n) => {
                if at >= hi {
                    st.playing = false;
                } else {
                    st.session.borrow_mut().seek((at + n).min(hi));
                }
            }
            Action::ToggleView(v) => st.toggle_view(&v),
            Action::Faster => st.speed = (st.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => st.speed = st.speed.saturating_sub(1),
            Action::ToggleLang => {
                st.lang = if st.lang == Lang::En { Lang::Ja } else { Lang::En };
                prefs::save_lang(st.lang);
            }
            Action::ToggleHelp => st.help = !st.help,
            Action::CloseHelp => st.help = false,
            Action::SetMode(m) => st.mode = m,
            Action::BuildChunk => {
                let step = st.building.as_ref().and_then(|b| b.borrow_mut().as_mut().map(|b| b.step(BUILD_CHUNK)));
                match step {
                    None | Some(Ok(false)) => {}
                    Some(Ok(true)) => {
                        if let Some(b) = st.building.take().and_then(|b| b.borrow_mut().take()) {
                            let (doc, session) = b.finish();
                            st.install(doc, session, u64::MAX);
                        }
                    }
                    Some(Err(e)) => {
                        st.building = None;
                        st.sandbox_error = Some(e);
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
                };
                st.sandbox_error = result.err();
            }
            Action::Configure(settings) => {
                let base = st.doc.as_deref().cloned().unwrap_or_else(Doc::demo);
                st.sandbox_error = doc::config_from_settings(&settings)
                    .and_then(|config| st.rebuild(Doc { config, ..base }, u64::MAX))
                    .err();
            }
            Action::Select(e) => st.selection = e,
            Action::Hover(e) => st.hover = e,
            Action::EmbedCopied(ok) => st.embed_copied = Some(ok),
            Action::Lesson(msg) => st.lesson_msg(msg),
            a @ (Action::TraceStart(_)
            | Action::TraceProgress
            | Action::TraceLoaded(..)
            | Action::TraceFailed(..)
            | Action::TraceCancel
            | Action::TraceFilter(..)
            | Action::TraceWanted(_)) => st.trace_action(a),
            Action::Upload(name, text) => {
                st.sandbox_error = match Doc::from_ops_file(&text) {
                    Ok((doc, session)) => {
                        st.install(doc, session, 0);
                        None
                    }
                    Err(e) => Some(format!("{name}:{e}")),
                };
            }
        }
        Rc::new(st)
    }
}

/// Run a command-bar line: `config ...` rebuilds the machine (a new session with the line's ops);
/// other ops are appended to the session and the script, and the view shows their last step.
/// Errors are located; a failing line changes nothing.
fn run_command(st: &mut State, line: &str) -> Result<(), String> {
    let col = |e: script::ScriptError| e.to_string().replacen("1:", "col ", 1);
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
                return Err(e.to_string());
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

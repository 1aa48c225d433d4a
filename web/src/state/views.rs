//! Which views each mode shows, in which order: a lesson its step's panels (a frame its
//! `panels=`), the sandbox the memory map, the buddy lists and the selected cache, the trace mode
//! the trace's views once one is loaded. The lesson index and an empty trace mode show none.
//! The user's additions and removals (per mode) come on top, in the order of [`CHOICES`].

use slabscope_core::lesson::PANELS;

use super::State;
use crate::doc::Mode;

/// The sandbox's views by default.
pub const SANDBOX: &[&str] = &["memory", "buddy", "cache"];
/// A loaded trace's views by default.
pub const TRACE: &[&str] = &["timeline", "caches", "cache", "slabcharts", "memory", "tracereport", "tracesites"];
/// Views only the trace mode has (its report and call sites; not lesson panels).
pub const TRACE_VIEWS: &[&str] = &["tracereport", "tracesites"];

/// Views the user can show or hide (every panel but the controls and the sandbox tools).
pub fn choices() -> impl Iterator<Item = &'static str> {
    PANELS.iter().copied().filter(|p| !matches!(*p, "controls" | "sandbox"))
}

/// Views the user can show or hide in `mode` (the trace mode adds its own).
pub fn mode_choices(mode: Mode) -> impl Iterator<Item = &'static str> {
    let own = if mode == Mode::Trace { TRACE_VIEWS } else { &[] };
    choices().chain(own.iter().copied())
}

impl State {
    /// The mode's views before the user's toggles; `None`: the mode has no picture (the lesson
    /// index, the trace mode before a trace is loaded).
    pub fn default_views(&self) -> Option<Vec<String>> {
        let own = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
        if self.params.embed {
            let run = self.lesson.as_ref()?;
            return Some(self.params.panels.clone().unwrap_or_else(|| run.borrow().panels()));
        }
        match self.mode {
            Mode::Lessons => self.lesson.as_ref().map(|run| run.borrow().panels()),
            Mode::Sandbox => own(SANDBOX),
            Mode::Trace => {
                if self.trace.is_some() {
                    own(TRACE)
                } else {
                    None
                }
            }
        }
    }

    /// The views shown, in order: the defaults, less the ones the user hid, then the ones the
    /// user added. Empty when the mode has no picture.
    pub fn views(&self) -> Vec<String> {
        let Some(mut v) = self.default_views() else { return Vec::new() };
        if self.params.embed {
            return v;
        }
        let toggled = self.view_toggles.get(self.mode.code()).cloned().unwrap_or_default();
        let base = v.clone();
        v.retain(|p| !toggled.contains(p));
        v.extend(
            mode_choices(self.mode)
                .filter(|c| toggled.iter().any(|t| t == c) && !base.iter().any(|b| b == c))
                .map(String::from),
        );
        v
    }

    /// Show a hidden view or hide a shown one (in the current mode).
    pub(super) fn toggle_view(&mut self, view: &str) {
        if !mode_choices(self.mode).any(|c| c == view) {
            return;
        }
        let toggles = std::rc::Rc::make_mut(&mut self.view_toggles);
        let list = toggles.entry(self.mode.code().to_string()).or_default();
        match list.iter().position(|p| p == view) {
            Some(i) => {
                list.remove(i);
            }
            None => list.push(view.to_string()),
        }
        super::prefs::save_views(toggles);
    }
}

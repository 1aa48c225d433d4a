//! Which views each mode shows, in which order: a lesson its step's panels (a frame its
//! `panels=`), the sandbox the memory map, the buddy lists and the selected cache, the trace mode
//! the trace's views once one is loaded. The lesson index and an empty trace mode show none.
//!
//! The user's choices come on top, and the rule is "a choice sticks, the rest follows the
//! defaults": clicking a view's chip records it as shown or hidden for the current scope (the
//! sandbox, the trace mode, or one lesson — every step of it); a view the user never clicked
//! follows the defaults (in a lesson: each step's own panels). So moving to the next lesson step
//! never turns a view the user chose off (or on) against them, and a step's own panels still come
//! and go with the steps. Views the user showed that are not defaults follow the defaults, in
//! the order of [`choices`]. "Reset" ([`State::reset_views`]) forgets the scope's choices.

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

/// The views shown: `defaults` less the views chosen hidden, then the views chosen shown that
/// are not defaults (in the order of [`choices`]). `chosen(view)` is the user's choice, if any.
pub fn apply_choices(defaults: &[String], chosen: impl Fn(&str) -> Option<bool>) -> Vec<String> {
    let mut v: Vec<String> = defaults.iter().filter(|p| chosen(p) != Some(false)).cloned().collect();
    v.extend(
        mode_choices(Mode::Trace)
            .filter(|c| chosen(c) == Some(true) && !defaults.iter().any(|d| d == c))
            .map(String::from),
    );
    v
}

/// Views the user can show or hide in `mode` (the trace mode adds its own).
pub fn mode_choices(mode: Mode) -> impl Iterator<Item = &'static str> {
    let own = if mode == Mode::Trace { TRACE_VIEWS } else { &[] };
    choices().chain(own.iter().copied())
}

impl State {
    /// The mode's views before the user's choices; `None`: the mode has no picture (the lesson
    /// index, the trace mode before a trace is loaded).
    pub fn default_views(&self) -> Option<Vec<String>> {
        let own = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
        // Compare mode draws its own columns (in a frame too).
        if self.mode == Mode::Compare {
            return None;
        }
        if self.params.embed {
            if let Some(v) = self.exercise_views() {
                return Some(v);
            }
            let run = self.lesson.as_ref()?;
            return Some(self.params.panels.clone().unwrap_or_else(|| run.borrow().panels()));
        }
        match self.mode {
            Mode::Lessons => self.lesson.as_ref().map(|run| run.borrow().panels()),
            Mode::Sandbox => own(SANDBOX),
            Mode::Compare => None,
            Mode::Trace => {
                if self.trace.is_some() {
                    own(TRACE)
                } else {
                    None
                }
            }
            Mode::Exercises => self.exercise_views(),
        }
    }

    /// Where the user's view choices are kept: one lesson (all its steps), or the mode.
    pub fn view_scope(&self) -> String {
        match (&self.mode, &self.lesson) {
            (Mode::Lessons, Some(run)) => format!("lesson:{}", run.borrow().lesson.id),
            _ => self.mode.code().to_string(),
        }
    }

    /// True when the user chose views in the current scope (so "reset" has something to do).
    pub fn has_view_choices(&self) -> bool {
        self.view_toggles.get(&self.view_scope()).is_some_and(|c| !c.is_empty())
    }

    /// The views shown, in order (see the module's rule). Empty when the mode has no picture.
    /// A frame shows exactly its `panels=` (or the step's panels).
    pub fn views(&self) -> Vec<String> {
        let Some(defaults) = self.default_views() else { return Vec::new() };
        if self.params.embed {
            return defaults;
        }
        let chosen = self.view_toggles.get(&self.view_scope());
        apply_choices(&defaults, |p| chosen.and_then(|c| c.get(p).copied()))
    }

    /// Show a hidden view or hide a shown one: recorded as the user's choice for this scope.
    pub(super) fn toggle_view(&mut self, view: &str) {
        if !mode_choices(self.mode).any(|c| c == view) {
            return;
        }
        let shown = self.views().iter().any(|v| v == view);
        let scope = self.view_scope();
        let toggles = std::rc::Rc::make_mut(&mut self.view_toggles);
        toggles.entry(scope).or_default().insert(view.to_string(), !shown);
        super::prefs::save_views(toggles);
    }

    /// Forget the user's view choices for this scope: the defaults again.
    pub(super) fn reset_views(&mut self) {
        let scope = self.view_scope();
        let toggles = std::rc::Rc::make_mut(&mut self.view_toggles);
        if toggles.remove(&scope).is_some() {
            super::prefs::save_views(toggles);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_choice_sticks_across_steps_the_rest_follows_the_defaults() {
        // The user hid "buddy" and showed "log".
        let chosen = |p: &str| match p {
            "buddy" => Some(false),
            "log" => Some(true),
            _ => None,
        };
        // Step 1 shows buddy by default: hidden. Step 2 does not: still hidden (no flip).
        assert_eq!(apply_choices(&s(&["buddy", "memory"]), chosen), s(&["memory", "log"]));
        assert_eq!(apply_choices(&s(&["memory", "buddyinfo"]), chosen), s(&["memory", "buddyinfo", "log"]));
        // A step whose own panels include the shown view keeps its place in the step's order.
        assert_eq!(apply_choices(&s(&["log", "memory"]), chosen), s(&["log", "memory"]));
        // No choices: the defaults, in their order.
        assert_eq!(apply_choices(&s(&["cache", "memory"]), |_| None), s(&["cache", "memory"]));
    }
}

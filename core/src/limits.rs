//! Resource budgets: the one table of limits that keeps any input (script, lesson, snapshot) from
//! overflowing the stack, running for hours or exhausting memory. The CLI, lessons and the browser
//! all start from [`Limits::default`]; the CLI can raise or lower each one with its flag.
//!
//! Every refusal is a [`LimitError`] naming the limit, the value the input needed, the limit's
//! value and how to change it. A refused input changes nothing: the checks run before the first op.

use std::fmt;

/// Which budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// How deep `repeat` blocks may nest.
    Depth,
    /// How many ops a script may expand to (`repeat` blocks multiplied out).
    Ops,
    /// Script text size in bytes.
    ScriptBytes,
    /// Steps in one lesson file.
    LessonSteps,
    /// Estimated memory a session may hold (ops, checkpoints, written pages), in bytes.
    SessionBytes,
}

/// One row of [`LIMITS`].
#[derive(Clone, Copy, Debug)]
pub struct LimitInfo {
    /// Which limit.
    pub limit: Limit,
    /// Short name (used in messages and docs).
    pub name: &'static str,
    /// The CLI flag that changes it.
    pub flag: &'static str,
    /// Default value.
    pub default: u64,
    /// What it bounds.
    pub what: &'static str,
}

/// The table of limits: drives [`Limits::default`], the messages, the CLI flags and the docs.
pub const LIMITS: &[LimitInfo] = &[
    LimitInfo {
        limit: Limit::Depth,
        name: "max_depth",
        flag: "--max-depth",
        default: 64,
        what: "`repeat` nesting depth",
    },
    LimitInfo {
        limit: Limit::Ops,
        name: "max_ops",
        flag: "--max-ops",
        default: 5_000_000,
        what: "operation count (after expanding `repeat`)",
    },
    LimitInfo {
        limit: Limit::ScriptBytes,
        name: "max_script_bytes",
        flag: "--max-script-bytes",
        default: 64 << 20,
        what: "script size in bytes",
    },
    LimitInfo {
        limit: Limit::LessonSteps,
        name: "max_lesson_steps",
        flag: "--max-lesson-steps",
        default: 100_000,
        what: "lesson step count",
    },
    LimitInfo {
        limit: Limit::SessionBytes,
        name: "max_session_bytes",
        flag: "--max-session-bytes",
        default: 2 << 30,
        what: "estimated session memory in bytes",
    },
];

impl Limit {
    /// This limit's row of [`LIMITS`].
    pub fn info(self) -> &'static LimitInfo {
        LIMITS.iter().find(|i| i.limit == self).expect("every limit has a row")
    }
}

/// Bytes a session is estimated to hold per op: the op itself, its line and event count, and
/// the checkpoint budget per op (see `session.rs`).
pub const SESSION_BYTES_PER_OP: u64 = 16 + 4 + 8 + 48;

/// The values in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// See [`Limit::Depth`].
    pub max_depth: u64,
    /// See [`Limit::Ops`].
    pub max_ops: u64,
    /// See [`Limit::ScriptBytes`].
    pub max_script_bytes: u64,
    /// See [`Limit::LessonSteps`].
    pub max_lesson_steps: u64,
    /// See [`Limit::SessionBytes`].
    pub max_session_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        let d = |l: Limit| l.info().default;
        Limits {
            max_depth: d(Limit::Depth),
            max_ops: d(Limit::Ops),
            max_script_bytes: d(Limit::ScriptBytes),
            max_lesson_steps: d(Limit::LessonSteps),
            max_session_bytes: d(Limit::SessionBytes),
        }
    }
}

impl Limits {
    /// The value of `limit`.
    pub fn get(&self, limit: Limit) -> u64 {
        match limit {
            Limit::Depth => self.max_depth,
            Limit::Ops => self.max_ops,
            Limit::ScriptBytes => self.max_script_bytes,
            Limit::LessonSteps => self.max_lesson_steps,
            Limit::SessionBytes => self.max_session_bytes,
        }
    }

    /// Set the limit named `name` (as in [`LIMITS`], or its flag without `--`).
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        let name = name.trim_start_matches("--").replace('-', "_");
        let info = LIMITS.iter().find(|i| i.name == name).ok_or_else(|| format!("no limit named `{name}`"))?;
        match info.limit {
            Limit::Depth => self.max_depth = value,
            Limit::Ops => self.max_ops = value,
            Limit::ScriptBytes => self.max_script_bytes = value,
            Limit::LessonSteps => self.max_lesson_steps = value,
            Limit::SessionBytes => self.max_session_bytes = value,
        }
        Ok(())
    }

    /// `Err` when `value` is above `limit`.
    pub fn check(&self, limit: Limit, value: u64) -> Result<(), LimitError> {
        let max = self.get(limit);
        if value > max {
            Err(LimitError { limit, value, max })
        } else {
            Ok(())
        }
    }
}

/// An input needs more than a limit allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitError {
    /// Which limit.
    pub limit: Limit,
    /// What the input needs (at least; counting stops past the limit).
    pub value: u64,
    /// The limit in force.
    pub max: u64,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.limit.info();
        if self.value == u64::MAX {
            write!(f, "{} is over the limit", i.what)?;
        } else {
            write!(f, "{} {} is over the limit", i.what, self.value)?;
        }
        write!(f, " {}={}; change it with `{} N` (command line)", i.name, self.max, i.flag)
    }
}

impl std::error::Error for LimitError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_drives_defaults_names_and_messages() {
        let l = Limits::default();
        for i in LIMITS {
            assert_eq!(l.get(i.limit), i.default);
            assert_eq!(i.limit.info().name, i.name);
            assert_eq!(format!("--{}", i.name.replace('_', "-")), i.flag);
        }
        let mut l = Limits::default();
        l.set("--max-ops", 7).unwrap();
        assert_eq!(l.max_ops, 7);
        assert!(l.set("max_bogus", 1).is_err());
        let e = l.check(Limit::Ops, 9).unwrap_err();
        assert_eq!(
            e.to_string(),
            "operation count (after expanding `repeat`) 9 is over the limit max_ops=7; change it with `--max-ops N` (command line)"
        );
        assert!(l.check(Limit::Ops, 7).is_ok());
    }
}

//! The vocabularies of the op language, one table each: commands (here), slab policies
//! ([`crate::slab::POLICIES`]) and `slub_debug` letters ([`crate::slab::SLUB_DEBUG_LETTERS`]).
//! The parser, its suggestions ("did you mean", "expected one of"), the docs' lists (checked by
//! a test against `docs/op-language.md`) and the UI's menus all read these tables.

pub use crate::slab::{DebugLetter, PolicyInfo, POLICIES, SLUB_DEBUG_LETTERS};

/// One command of the op language.
pub struct Command {
    /// The first word.
    pub name: &'static str,
    /// Its sub-commands (second word), if it has any.
    pub sub: &'static [&'static str],
    /// One line for docs and menus (English).
    pub summary: &'static str,
}

/// Every command, in the order of the reference (`docs/op-language.md`).
pub const COMMANDS: &[Command] = &[
    Command { name: "config", sub: &[], summary: "machine settings, before the first operation" },
    Command { name: "pages", sub: &["alloc", "free"], summary: "the buddy allocator" },
    Command { name: "kmalloc", sub: &[], summary: "kmalloc(SIZE)" },
    Command { name: "kfree", sub: &[], summary: "free kmalloc'd objects" },
    Command { name: "krealloc", sub: &[], summary: "grow or shrink a kmalloc object" },
    Command { name: "malloc", sub: &[], summary: "the SuperSlab allocator" },
    Command { name: "free", sub: &[], summary: "give malloc blocks back" },
    Command {
        name: "cache",
        sub: &["create", "alloc", "free", "destroy", "validate"],
        summary: "kmem_cache_* on a named cache",
    },
    Command { name: "write", sub: &[], summary: "overwrite simulated memory" },
    Command { name: "shrink", sub: &[], summary: "free every empty slab" },
    Command { name: "reap", sub: &[], summary: "the periodic reaper" },
    Command { name: "repeat", sub: &[], summary: "repeat statements N times" },
    Command { name: "show", sub: &[], summary: "print a kernel-format report" },
];

/// The command named `name`.
pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The `slub_debug` letters set in `flags` (`-` when none).
pub fn debug_letters(flags: crate::slab::layout::CacheFlags) -> String {
    let s: String = SLUB_DEBUG_LETTERS.iter().filter(|l| flags.has(l.flag)).map(|l| l.letter).collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

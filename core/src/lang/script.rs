//! The op language: line-oriented text shared by the CLI, the sandbox, lessons and tests.
//! The grammar is documented in `docs/op-language.md`.
//!
//! Parsing never panics; every error carries a 1-based line and column, what was expected, and a
//! suggestion for misspelt words. `repeat N { ... }` blocks are expanded into a flat op list.

use std::fmt;

use crate::limits::{Limit, LimitError, Limits};
use crate::machine::{ConfigError, MachineConfig, MAX_CPUS, MAX_NODES, MAX_PAGE_ORDER};
use crate::names::Names;
use crate::op::{Op, Ref, ShowKind, Target};
use crate::session::Session;
use crate::sim::OpError;
use crate::slab_layout::CacheFlags;
use crate::suggest::suggest;

/// Most ops a script may expand to by default (repeat blocks included); see [`crate::limits`].
pub const MAX_OPS: u64 = 5_000_000;

/// The deepest `repeat` nesting the parser accepts whatever the limits say (it recurses once per
/// level; this keeps the stack small enough for WebAssembly's 1 MiB).
pub const HARD_MAX_DEPTH: u64 = 256;

/// What went wrong, without the position.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ScriptErrorKind {
    /// A word where a command was expected.
    UnknownCommand { found: String },
    /// Something else than what the grammar allows here.
    Expected { expected: String, found: String },
    /// `key=value` with a key the command does not take.
    UnknownKey { key: String, command: String },
    /// A required `key=` is missing.
    MissingKey { key: &'static str, command: String },
    /// The same key twice.
    DuplicateKey { key: String },
    /// A value that is not a number (or not in range).
    BadValue { key: String, value: String, expected: String },
    /// `config` after the first op.
    ConfigAfterOps,
    /// `{` without `}` or a stray `}`.
    Unbalanced,
    /// A budget of [`crate::limits`] is exceeded (nesting depth, op count, script size, ...).
    Limit(LimitError),
    /// A command-line flag makes the machine impossible.
    FlagConfig { flag: String, error: ConfigError },
    /// The `config` lines describe an impossible machine.
    Config(ConfigError),
    /// The op was well formed but failed when executed.
    Op(OpError),
}

/// A located script error.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
    /// What went wrong.
    pub kind: ScriptErrorKind,
    /// A likely intended spelling.
    pub suggestion: Option<String>,
}

impl fmt::Display for ScriptErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScriptErrorKind::*;
        match self {
            UnknownCommand { found } => write!(
                f,
                "unknown command `{found}`; expected one of: {}",
                crate::lang::vocab::COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            ),
            Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            UnknownKey { key, command } => write!(f, "`{command}` takes no `{key}=`"),
            MissingKey { key, command } => write!(f, "`{command}` needs `{key}=`"),
            DuplicateKey { key } => write!(f, "`{key}=` given twice"),
            BadValue { key, value, expected } => write!(f, "bad value `{value}` for `{key}`: expected {expected}"),
            ConfigAfterOps => write!(f, "`config` lines must come before the first operation"),
            Unbalanced => write!(f, "unbalanced braces: every `repeat N {{` needs a matching `}}`"),
            Limit(e) => write!(f, "{e}"),
            FlagConfig { flag, error } => write!(f, "{flag} (command line): invalid machine: {error}"),
            Config(e) => write!(f, "invalid machine: {e}"),
            Op(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.kind)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}

/// One `config key=value` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Key.
    pub key: String,
    /// Value as written.
    pub value: String,
    /// Position of the key.
    pub line: u32,
    /// Column of the key.
    pub col: u32,
}

/// A parsed script.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    /// `config` settings in order.
    pub settings: Vec<Setting>,
    /// The flat op list.
    pub ops: Vec<Op>,
    /// Source line of each op.
    pub lines: Vec<u32>,
}

/// Config keys understood by [`Program::apply_config`].
pub const CONFIG_KEYS: &[&str] = &[
    "mem",
    "nodes",
    "cpus",
    "seed",
    "pcp",
    "slab",
    "hardened",
    "freelist_random",
    "slub_debug",
    "per_cpu_cache_size",
    "slab_release_threshold",
    "bulk_transfer_size",
    "max_color_offset",
    "emergency_shrink_ratio",
    "percpu",
    "superslab_release",
];

/// The `config` settings (`key=value` separated by spaces, without the `config` word) that turn
/// the default machine into `c`: only keys whose value differs from the default. Parsing them back
/// with [`set_config`] gives `c` again.
pub fn config_text(c: &MachineConfig) -> String {
    let d = MachineConfig::default();
    let on = |b: bool| if b { "on" } else { "off" };
    let mut out: Vec<String> = Vec::new();
    let mut push = |differs: bool, key: &str, value: String| {
        if differs {
            out.push(format!("{key}={value}"));
        }
    };
    let mem = if c.mem_bytes.is_multiple_of(1 << 30) {
        format!("{}G", c.mem_bytes >> 30)
    } else if c.mem_bytes.is_multiple_of(1 << 20) {
        format!("{}M", c.mem_bytes >> 20)
    } else if c.mem_bytes.is_multiple_of(1 << 10) {
        format!("{}K", c.mem_bytes >> 10)
    } else {
        c.mem_bytes.to_string()
    };
    push(c.mem_bytes != d.mem_bytes, "mem", mem);
    push(c.nodes != d.nodes, "nodes", c.nodes.to_string());
    push(c.cpus != d.cpus, "cpus", c.cpus.to_string());
    push(c.seed != d.seed, "seed", c.seed.to_string());
    push(c.pcp != d.pcp, "pcp", on(c.pcp).into());
    let slab = crate::slab::policy_info(c.slab).name;
    push(c.slab != d.slab, "slab", slab.into());
    push(c.magazines != d.magazines, "percpu", if c.magazines { "magazine" } else { "none" }.into());
    push(c.hardened != d.hardened, "hardened", on(c.hardened).into());
    push(c.freelist_random != d.freelist_random, "freelist_random", on(c.freelist_random).into());
    push(c.superslab_release != d.superslab_release, "superslab_release", on(c.superslab_release).into());
    push(c.slub_debug != d.slub_debug, "slub_debug", crate::lang::vocab::debug_letters(c.slub_debug));
    let (a, da) = (&c.aether, &d.aether);
    push(a.per_cpu_cache_size != da.per_cpu_cache_size, "per_cpu_cache_size", a.per_cpu_cache_size.to_string());
    push(a.bulk_transfer_size != da.bulk_transfer_size, "bulk_transfer_size", a.bulk_transfer_size.to_string());
    push(a.max_color_offset != da.max_color_offset, "max_color_offset", a.max_color_offset.to_string());
    push(
        a.slab_release_threshold != da.slab_release_threshold,
        "slab_release_threshold",
        a.slab_release_threshold.to_string(),
    );
    push(
        a.emergency_shrink_ratio != da.emergency_shrink_ratio,
        "emergency_shrink_ratio",
        a.emergency_shrink_ratio.to_string(),
    );
    out.join(" ")
}

impl Program {
    /// Apply the `config` settings to `base`. Values are checked, then the whole machine.
    pub fn apply_config(&self, base: &MachineConfig) -> Result<MachineConfig, ScriptError> {
        let mut c = base.clone();
        for s in &self.settings {
            set_config(&mut c, &s.key, &s.value).map_err(|kind| ScriptError {
                line: s.line,
                col: s.col,
                suggestion: match &kind {
                    ScriptErrorKind::UnknownKey { key, .. } => suggest(key, CONFIG_KEYS.iter().copied()),
                    _ => None,
                },
                kind,
            })?;
        }
        c.validate().map_err(|e| {
            // Point at the last setting of a key the conflict involves (the one that broke it).
            let keys = conflict_keys(&e);
            let at = self.settings.iter().rev().find(|s| keys.contains(&s.key.as_str())).or(self.settings.first());
            let (line, mut col) = at.map_or((1, 1), |s| (s.line, s.col));
            if let (ConfigError::FrontEndConflict { .. }, Some(s)) = (&e, at) {
                // A refused combination points at the value (`percpu=magazine`: `magazine`).
                col += s.key.chars().count() as u32 + 1;
            }
            ScriptError { line, col, kind: ScriptErrorKind::Config(e), suggestion: None }
        })?;
        Ok(c)
    }
}

/// The config keys a machine conflict is about.
pub fn conflict_keys(e: &ConfigError) -> &'static [&'static str] {
    match e {
        ConfigError::BadMemory { .. } => &["mem", "nodes"],
        ConfigError::BadNodes(_) => &["nodes"],
        ConfigError::BadCpus { .. } => &["cpus", "nodes"],
        ConfigError::FrontEndConflict { .. } => &["percpu", "slab"],
    }
}

/// Set one configuration key from its text form (as in `config key=value` and CLI flags).
pub fn set_config(c: &mut MachineConfig, key: &str, value: &str) -> Result<(), ScriptErrorKind> {
    let bad = |expected: &str| ScriptErrorKind::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    };
    match key {
        "mem" => c.mem_bytes = parse_size(value).ok_or_else(|| bad("a size such as 64M, 512K or 1G"))?,
        "nodes" => {
            c.nodes =
                parse_num(value).filter(|n| (1..=u64::from(MAX_NODES)).contains(n)).ok_or_else(|| bad("1..=4"))? as u8
        }
        "cpus" => {
            c.cpus =
                parse_num(value).filter(|n| (1..=u64::from(MAX_CPUS)).contains(n)).ok_or_else(|| bad("1..=64"))? as u16
        }
        "seed" => c.seed = parse_num(value).ok_or_else(|| bad("a number"))?,
        "percpu" => {
            c.magazines = match value {
                "magazine" => true,
                "none" => false,
                _ => return Err(bad("magazine or none")),
            }
        }
        "superslab_release" => {
            c.superslab_release = match value {
                "on" => true,
                "off" => false,
                _ => return Err(bad("on or off")),
            }
        }
        "pcp" | "hardened" | "freelist_random" => {
            let on = match value {
                "on" => true,
                "off" => false,
                _ => return Err(bad("on or off")),
            };
            match key {
                "pcp" => c.pcp = on,
                "hardened" => c.hardened = on,
                _ => c.freelist_random = on,
            }
        }
        "per_cpu_cache_size" | "bulk_transfer_size" | "max_color_offset" => {
            let min = u64::from(key != "max_color_offset");
            let v = parse_num(value).filter(|&v| (min..=4096).contains(&v)).ok_or_else(|| bad("a number up to 4096"))?
                as u32;
            match key {
                "per_cpu_cache_size" => c.aether.per_cpu_cache_size = v,
                "bulk_transfer_size" => c.aether.bulk_transfer_size = v,
                _ => c.aether.max_color_offset = v,
            }
        }
        "slab_release_threshold" | "emergency_shrink_ratio" => {
            let v = parse_num(value).filter(|&v| v <= 100).ok_or_else(|| bad("a percentage 0..=100"))? as u32;
            if key == "slab_release_threshold" {
                c.aether.slab_release_threshold = v;
            } else {
                c.aether.emergency_shrink_ratio = v;
            }
        }
        "slub_debug" => {
            let mut f = crate::slab_layout::CacheFlags::default();
            let letters: Vec<char> = crate::lang::vocab::SLUB_DEBUG_LETTERS.iter().map(|l| l.letter).collect();
            for ch in value.chars() {
                let up = ch.to_ascii_uppercase();
                match crate::lang::vocab::SLUB_DEBUG_LETTERS.iter().find(|l| l.letter == up) {
                    Some(l) => f = f.with(l.flag),
                    None if ch == '-' => {}
                    None => {
                        let list: Vec<String> = letters.iter().map(char::to_string).collect();
                        return Err(bad(&format!("letters from {} (or -)", list.join(", "))));
                    }
                }
            }
            c.slub_debug = f;
        }
        "slab" => {
            c.slab = match crate::slab::policy_by_name(value) {
                Some(p) => p,
                None => {
                    let names: Vec<&str> = crate::lang::vocab::POLICIES.iter().map(|p| p.name).collect();
                    return Err(bad(&names.join(", ")));
                }
            }
        }
        _ => return Err(ScriptErrorKind::UnknownKey { key: key.to_string(), command: "config".into() }),
    }
    Ok(())
}

/// A decimal or `0x` hexadecimal number.
pub fn parse_num(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A byte size: a number with an optional K, M or G suffix (powers of 1024).
pub fn parse_size(s: &str) -> Option<u64> {
    let (num, shift) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 10),
        (i, 'm' | 'M') => (&s[..i], 20),
        (i, 'g' | 'G') => (&s[..i], 30),
        _ => (s, 0),
    };
    parse_num(num)?.checked_mul(1u64 << shift)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Open,
    Close,
    Semi,
    Newline,
    Eof,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: u32,
    col: u32,
}

fn tokenize(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for (li, raw) in src.lines().enumerate() {
        let line = (li + 1) as u32;
        let text = raw.split('#').next().unwrap_or("");
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let col = (i + 1) as u32;
            if c.is_whitespace() {
                i += 1;
            } else if c == '{' || c == '}' || c == ';' {
                let tok = match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    _ => Tok::Semi,
                };
                out.push(Token { tok, line, col });
                i += 1;
            } else {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '{' | '}' | ';') {
                    i += 1;
                }
                out.push(Token { tok: Tok::Word(chars[start..i].iter().collect()), line, col });
            }
        }
        out.push(Token { tok: Tok::Newline, line, col: (chars.len() + 1) as u32 });
    }
    let last = src.lines().count() as u32;
    out.push(Token { tok: Tok::Eof, line: last.max(1), col: 1 });
    out
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::Open => "`{`".into(),
        Tok::Close => "`}`".into(),
        Tok::Semi => "`;`".into(),
        Tok::Newline => "end of line".into(),
        Tok::Eof => "end of script".into(),
    }
}

/// What [`Parser::statement`] read: a whole statement, or the head of a `repeat` block.
enum Parsed {
    Stmt(Stmt),
    Open(u64, (u32, u32)),
}

enum Stmt {
    Op(Op, u32),
    /// Count, body, position of the `repeat` word.
    Repeat(u64, Vec<Stmt>, (u32, u32)),
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    names: &'a mut Names,
    settings: Vec<Setting>,
    seen_op: bool,
    /// `repeat` blocks open around the current statement.
    depth: u64,
    max_depth: u64,
}

type PResult<T> = Result<T, ScriptError>;

fn err_at(t: &Token, kind: ScriptErrorKind, suggestion: Option<String>) -> ScriptError {
    ScriptError { line: t.line, col: t.col, kind, suggestion }
}

/// A `key=value` argument with its position.
struct KeyArg {
    key: String,
    value: String,
    tok: Token,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.toks[self.pos]
    }
    fn next(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn expected(&self, expected: &str) -> ScriptError {
        let t = self.peek();
        err_at(t, ScriptErrorKind::Expected { expected: expected.into(), found: describe(&t.tok) }, None)
    }
    fn at_end_of_stmt(&self) -> bool {
        matches!(self.peek().tok, Tok::Newline | Tok::Semi | Tok::Close | Tok::Eof)
    }

    /// Every statement to the end of input. Iterative (an explicit stack of open `repeat`
    /// blocks), so nesting costs heap, not stack.
    fn program(&mut self) -> PResult<Vec<Stmt>> {
        let mut out = Vec::new();
        // Open blocks: count, position of `repeat`, statements so far.
        let mut open: Vec<(u64, (u32, u32), Vec<Stmt>)> = Vec::new();
        loop {
            let nested = !open.is_empty();
            match self.peek().tok.clone() {
                Tok::Newline | Tok::Semi => {
                    self.next();
                }
                Tok::Eof => {
                    if nested {
                        return Err(err_at(self.peek(), ScriptErrorKind::Unbalanced, None));
                    }
                    return Ok(out);
                }
                Tok::Close => {
                    let Some((n, pos, body)) = open.pop() else {
                        return Err(err_at(self.peek(), ScriptErrorKind::Unbalanced, None));
                    };
                    self.next();
                    self.depth -= 1;
                    open.last_mut().map_or(&mut out, |o| &mut o.2).push(Stmt::Repeat(n, body, pos));
                    if !self.at_end_of_stmt() {
                        return Err(self.expected("end of line"));
                    }
                }
                Tok::Open => return Err(self.expected("a command")),
                Tok::Word(_) => match self.statement(nested)? {
                    Some(Parsed::Open(n, pos)) => {
                        self.depth += 1;
                        open.push((n, pos, Vec::new()));
                    }
                    other => {
                        if let Some(Parsed::Stmt(s)) = other {
                            open.last_mut().map_or(&mut out, |o| &mut o.2).push(s);
                        }
                        if !self.at_end_of_stmt() {
                            return Err(self.expected("end of line"));
                        }
                    }
                },
            }
        }
    }

    fn statement(&mut self, nested: bool) -> PResult<Option<Parsed>> {
        let head = self.next();
        let Tok::Word(word) = head.tok.clone() else { unreachable!("statement starts with a word") };
        match word.as_str() {
            "config" => {
                if self.seen_op || nested {
                    return Err(err_at(&head, ScriptErrorKind::ConfigAfterOps, None));
                }
                let args = self.key_args()?;
                if args.is_empty() {
                    return Err(self.expected("`key=value` settings"));
                }
                for a in args {
                    self.settings.push(Setting { key: a.key, value: a.value, line: a.tok.line, col: a.tok.col });
                }
                Ok(None)
            }
            "repeat" => {
                self.seen_op = true;
                if self.depth >= self.max_depth {
                    let e = LimitError { limit: Limit::Depth, value: self.depth + 1, max: self.max_depth };
                    return Err(err_at(&head, ScriptErrorKind::Limit(e), None));
                }
                let t = self.next();
                let n = match &t.tok {
                    Tok::Word(w) => parse_num(w),
                    _ => None,
                }
                .ok_or_else(|| {
                    err_at(
                        &t,
                        ScriptErrorKind::Expected { expected: "a repeat count".into(), found: describe(&t.tok) },
                        None,
                    )
                })?;
                while self.peek().tok == Tok::Newline {
                    self.next();
                }
                if self.peek().tok != Tok::Open {
                    return Err(self.expected("`{`"));
                }
                self.next();
                Ok(Some(Parsed::Open(n, (head.line, head.col))))
            }
            "pages" => {
                self.seen_op = true;
                let sub = self.subcommand("pages", &["alloc", "free"])?;
                let op = if sub == "alloc" { self.pages_alloc()? } else { self.pages_free()? };
                Ok(Some(Parsed::Stmt(Stmt::Op(op, head.line))))
            }
            "kmalloc" => {
                self.seen_op = true;
                let size = self.positional_num("kmalloc", "a size in bytes")?;
                let args = self.key_args()?;
                self.check_keys("kmalloc", &args, &["cpu", "node", "as"])?;
                let (cpu, node, target) = self.cpu_node_target(&args, &head, "kmalloc")?;
                let size = u32::try_from(size).unwrap_or(u32::MAX);
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Kmalloc { size, cpu, node, target }, head.line))))
            }
            "shrink" => {
                self.seen_op = true;
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Shrink, head.line))))
            }
            "reap" => {
                self.seen_op = true;
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Reap, head.line))))
            }
            "write" => {
                self.seen_op = true;
                let what = self.cache_name()?;
                let args = self.key_args()?;
                self.check_keys("write", &args, &["offset", "len", "byte"])?;
                let offset = match args.iter().find(|a| a.key == "offset") {
                    None => 0,
                    Some(a) => {
                        let (neg, digits) = match a.value.strip_prefix('-') {
                            Some(d) => (true, d),
                            None => (false, a.value.as_str()),
                        };
                        match parse_num(digits).filter(|&v| v <= 1 << 20) {
                            Some(v) => {
                                if neg {
                                    -(v as i32)
                                } else {
                                    v as i32
                                }
                            }
                            None => {
                                return Err(err_at(
                                    &a.tok,
                                    ScriptErrorKind::BadValue {
                                        key: "offset".into(),
                                        value: a.value.clone(),
                                        expected: "a byte offset, possibly negative".into(),
                                    },
                                    None,
                                ))
                            }
                        }
                    }
                };
                let len = self.num_arg(&args, "len", 4096)?.unwrap_or(1) as u32;
                let byte = self.num_arg(&args, "byte", 255)?.ok_or_else(|| {
                    err_at(&head, ScriptErrorKind::MissingKey { key: "byte", command: "write".into() }, None)
                })? as u8;
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Write { what, offset, len: len.max(1), byte }, head.line))))
            }
            "krealloc" => {
                self.seen_op = true;
                let what = self.cache_name()?;
                let size = self.positional_num("krealloc NAME", "a new size in bytes")?;
                let zero = if self.peek().tok == Tok::Word("zero".into()) {
                    self.next();
                    true
                } else {
                    false
                };
                let args = self.key_args()?;
                self.check_keys("krealloc", &args, &["cpu"])?;
                let cpu = self.num_arg(&args, "cpu", u64::from(MAX_CPUS) - 1)?.map(|c| c as u16);
                let size = u32::try_from(size).unwrap_or(u32::MAX);
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Krealloc { what, size, cpu, zero }, head.line))))
            }
            "malloc" => {
                self.seen_op = true;
                let size = self.positional_num("malloc", "a size in bytes")?;
                let args = self.key_args()?;
                self.check_keys("malloc", &args, &["thread", "as"])?;
                let thread = self.num_arg(&args, "thread", 1023)?.unwrap_or(0) as u16;
                let as_arg = args.iter().find(|a| a.key == "as").ok_or_else(|| {
                    err_at(&head, ScriptErrorKind::MissingKey { key: "as", command: "malloc".into() }, None)
                })?;
                let target = self.target(as_arg)?;
                let size = u32::try_from(size).unwrap_or(u32::MAX);
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Malloc { size, thread, target }, head.line))))
            }
            "free" => {
                self.seen_op = true;
                let (what, thread) = self.ref_and_key("free", "thread", 1023)?;
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Free { what, thread: thread.unwrap_or(0) as u16 }, head.line))))
            }
            "kfree" => {
                self.seen_op = true;
                let (what, cpu) = self.ref_and_cpu("kfree")?;
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Kfree { what, cpu }, head.line))))
            }
            "cache" => {
                self.seen_op = true;
                let sub = self.subcommand("cache", &["create", "alloc", "free", "destroy", "validate"])?;
                let op = match sub.as_str() {
                    "create" => self.cache_create()?,
                    "alloc" => {
                        let cache = self.cache_name()?;
                        let args = self.key_args()?;
                        self.check_keys("cache alloc", &args, &["cpu", "node", "as"])?;
                        let (cpu, node, target) = self.cpu_node_target(&args, &head, "cache alloc")?;
                        Op::CacheAlloc { cache, cpu, node, target }
                    }
                    "free" => {
                        let (what, cpu) = self.ref_and_cpu("cache free")?;
                        Op::CacheFree { what, cpu }
                    }
                    "validate" => {
                        let name = self.cache_name()?;
                        Op::CacheValidate { name }
                    }
                    _ => {
                        let name = self.cache_name()?;
                        Op::CacheDestroy { name }
                    }
                };
                Ok(Some(Parsed::Stmt(Stmt::Op(op, head.line))))
            }
            "show" => {
                self.seen_op = true;
                let t = self.next();
                let kind = match &t.tok {
                    Tok::Word(w) => ShowKind::ALL.iter().copied().find(|k| k.as_str() == w),
                    _ => None,
                };
                let what = match (&t.tok, kind) {
                    (_, Some(k)) => k,
                    (Tok::Word(w), None) if w == "sysfs" => {
                        let cache = self.cache_name()?;
                        return Ok(Some(Parsed::Stmt(Stmt::Op(Op::ShowSysfs { cache }, head.line))));
                    }
                    (other, None) => {
                        let words = ShowKind::ALL.iter().map(|k| k.as_str()).chain(["sysfs"]);
                        let s = if let Tok::Word(w) = other { suggest(w, words) } else { None };
                        let list: Vec<&str> = ShowKind::ALL.iter().map(|k| k.as_str()).chain(["sysfs NAME"]).collect();
                        return Err(err_at(
                            &t,
                            ScriptErrorKind::Expected {
                                expected: format!("one of: {}", list.join(", ")),
                                found: describe(other),
                            },
                            s,
                        ));
                    }
                };
                Ok(Some(Parsed::Stmt(Stmt::Op(Op::Show { what }, head.line))))
            }
            _ => Err(err_at(
                &head,
                ScriptErrorKind::UnknownCommand { found: word.clone() },
                suggest(&word, crate::lang::vocab::COMMANDS.iter().map(|c| c.name)),
            )),
        }
    }

    fn subcommand(&mut self, cmd: &str, subs: &[&str]) -> PResult<String> {
        let t = self.next();
        match &t.tok {
            Tok::Word(w) if subs.contains(&w.as_str()) => Ok(w.clone()),
            other => {
                let s = if let Tok::Word(w) = other { suggest(w, subs.iter().copied()) } else { None };
                let expected = format!("`{cmd} {}`", subs.join("` or `"));
                Err(err_at(&t, ScriptErrorKind::Expected { expected, found: describe(other) }, s))
            }
        }
    }

    fn key_args(&mut self) -> PResult<Vec<KeyArg>> {
        let mut out: Vec<KeyArg> = Vec::new();
        while !self.at_end_of_stmt() {
            let t = self.next();
            let Tok::Word(w) = &t.tok else {
                return Err(err_at(&t, ScriptErrorKind::Unbalanced, None));
            };
            let Some((k, v)) = w.split_once('=') else {
                return Err(err_at(
                    &t,
                    ScriptErrorKind::Expected { expected: "`key=value`".into(), found: describe(&t.tok) },
                    None,
                ));
            };
            if out.iter().any(|a| a.key == k) {
                return Err(err_at(&t, ScriptErrorKind::DuplicateKey { key: k.into() }, None));
            }
            if v.is_empty() {
                return Err(err_at(
                    &t,
                    ScriptErrorKind::Expected { expected: format!("a value after `{k}=`"), found: "nothing".into() },
                    None,
                ));
            }
            out.push(KeyArg { key: k.into(), value: v.into(), tok: t.clone() });
        }
        Ok(out)
    }

    /// Check keys against the allowed set; return them.
    fn check_keys(&self, command: &str, args: &[KeyArg], allowed: &[&'static str]) -> PResult<()> {
        for a in args {
            if !allowed.contains(&a.key.as_str()) {
                return Err(err_at(
                    &a.tok,
                    ScriptErrorKind::UnknownKey { key: a.key.clone(), command: command.into() },
                    suggest(&a.key, allowed.iter().copied()),
                ));
            }
        }
        Ok(())
    }

    fn num_arg(&self, args: &[KeyArg], key: &str, max: u64) -> PResult<Option<u64>> {
        let Some(a) = args.iter().find(|a| a.key == key) else {
            return Ok(None);
        };
        match parse_num(&a.value) {
            Some(v) if v <= max => Ok(Some(v)),
            _ => Err(err_at(
                &a.tok,
                ScriptErrorKind::BadValue { key: key.into(), value: a.value.clone(), expected: format!("0..={max}") },
                None,
            )),
        }
    }

    fn ident(&self, text: &str, t: &Token, what: &str) -> PResult<()> {
        let ok = !text.is_empty()
            && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if ok {
            Ok(())
        } else {
            Err(err_at(
                t,
                ScriptErrorKind::Expected {
                    expected: format!("{what} (letters, digits, `_`, `-`, `.`; starting with a letter)"),
                    found: format!("`{text}`"),
                },
                None,
            ))
        }
    }

    fn target(&mut self, a: &KeyArg) -> PResult<Target> {
        if let Some(base) = a.value.strip_suffix("[]") {
            self.ident(base, &a.tok, "a list name")?;
            return Ok(Target::Append { name: self.names.intern(base) });
        }
        self.ident(&a.value, &a.tok, "a name")?;
        Ok(Target::Name { name: self.names.intern(&a.value) })
    }

    fn reference(&mut self, t: &Token) -> PResult<Ref> {
        let Tok::Word(w) = &t.tok else {
            return Err(err_at(
                t,
                ScriptErrorKind::Expected {
                    expected: "a name, `name[i]` or `name[*]`".into(),
                    found: describe(&t.tok),
                },
                None,
            ));
        };
        if let Some((base, rest)) = w.split_once('[') {
            self.ident(base, t, "a list name")?;
            let inner = rest.strip_suffix(']').ok_or_else(|| {
                err_at(t, ScriptErrorKind::Expected { expected: "`]`".into(), found: format!("`{w}`") }, None)
            })?;
            let name = self.names.intern(base);
            if inner == "*" {
                return Ok(Ref::All { name });
            }
            let index = parse_num(inner).filter(|&i| i <= u64::from(u32::MAX)).ok_or_else(|| {
                err_at(
                    t,
                    ScriptErrorKind::Expected {
                        expected: "an index or `*` inside `[]`".into(),
                        found: format!("`{inner}`"),
                    },
                    None,
                )
            })?;
            return Ok(Ref::Index { name, index: index as u32 });
        }
        self.ident(w, t, "a name")?;
        Ok(Ref::Name { name: self.names.intern(w) })
    }

    fn positional_num(&mut self, command: &str, what: &str) -> PResult<u64> {
        let t = self.next();
        match &t.tok {
            Tok::Word(w) if parse_num(w).is_some() => Ok(parse_num(w).expect("checked")),
            other => Err(err_at(
                &t,
                ScriptErrorKind::Expected { expected: format!("{what} after `{command}`"), found: describe(other) },
                None,
            )),
        }
    }

    fn cache_name(&mut self) -> PResult<crate::event::Sym> {
        let t = self.next();
        match &t.tok {
            Tok::Word(w) if !w.contains('=') => {
                self.ident(w, &t, "a cache name")?;
                Ok(self.names.intern(w))
            }
            other => Err(err_at(
                &t,
                ScriptErrorKind::Expected { expected: "a cache name".into(), found: describe(other) },
                None,
            )),
        }
    }

    /// `[cpu=N] [node=N] as=TARGET` from checked key args.
    fn cpu_node_target(
        &mut self,
        args: &[KeyArg],
        head: &Token,
        command: &str,
    ) -> PResult<(Option<u16>, Option<u8>, Target)> {
        let cpu = self.num_arg(args, "cpu", u64::from(MAX_CPUS) - 1)?.map(|c| c as u16);
        let node = self.num_arg(args, "node", u64::from(MAX_NODES) - 1)?.map(|n| n as u8);
        let as_arg = args
            .iter()
            .find(|a| a.key == "as")
            .ok_or_else(|| err_at(head, ScriptErrorKind::MissingKey { key: "as", command: command.into() }, None))?;
        Ok((cpu, node, self.target(as_arg)?))
    }

    /// `REF [cpu=N]`.
    fn ref_and_cpu(&mut self, command: &str) -> PResult<(Ref, Option<u16>)> {
        let (what, cpu) = self.ref_and_key(command, "cpu", u64::from(MAX_CPUS) - 1)?;
        Ok((what, cpu.map(|c| c as u16)))
    }

    /// `REF [KEY=N]` (N at most `max`).
    fn ref_and_key(&mut self, command: &str, key: &'static str, max: u64) -> PResult<(Ref, Option<u64>)> {
        let t = self.next();
        if matches!(t.tok, Tok::Newline | Tok::Eof | Tok::Semi | Tok::Close) {
            return Err(err_at(
                &t,
                ScriptErrorKind::Expected {
                    expected: "a name, `name[i]` or `name[*]`".into(),
                    found: describe(&t.tok),
                },
                None,
            ));
        }
        let what = self.reference(&t)?;
        let args = self.key_args()?;
        self.check_keys(command, &args, &[key])?;
        Ok((what, self.num_arg(&args, key, max)?))
    }

    fn cache_create(&mut self) -> PResult<Op> {
        let start = self.peek().clone();
        let name = self.cache_name()?;
        let args = self.key_args()?;
        self.check_keys("cache create", &args, &["size", "align", "flags"])?;
        // The policy checks the size it supports; SLUB accepts up to KMALLOC_MAX_SIZE (a slot
        // must fit in a MAX_PAGE_ORDER block).
        let size = self.num_arg(&args, "size", crate::slab_layout::KMALLOC_MAX_SIZE)?.ok_or_else(|| {
            err_at(&start, ScriptErrorKind::MissingKey { key: "size", command: "cache create".into() }, None)
        })? as u32;
        let align = self.num_arg(&args, "align", 4096)?.unwrap_or(0) as u32;
        let mut flags = CacheFlags::default();
        if let Some(a) = args.iter().find(|a| a.key == "flags") {
            for word in a.value.split(',') {
                match CacheFlags::NAMES.iter().find(|(n, _)| *n == word) {
                    Some((_, f)) => flags = flags.with(*f),
                    None => {
                        return Err(err_at(
                            &a.tok,
                            ScriptErrorKind::BadValue {
                                key: "flags".into(),
                                value: word.into(),
                                expected: format!(
                                    "comma-separated flags from: {}",
                                    CacheFlags::NAMES.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
                                ),
                            },
                            suggest(word, CacheFlags::NAMES.iter().map(|f| f.0)),
                        ))
                    }
                }
            }
        }
        Ok(Op::CacheCreate { name, size, align, flags })
    }

    fn pages_alloc(&mut self) -> PResult<Op> {
        let start = self.peek().clone();
        let args = self.key_args()?;
        self.check_keys("pages alloc", &args, &["order", "node", "cpu", "as"])?;
        let order = self.num_arg(&args, "order", u64::from(MAX_PAGE_ORDER))?.ok_or_else(|| {
            err_at(&start, ScriptErrorKind::MissingKey { key: "order", command: "pages alloc".into() }, None)
        })? as u8;
        let node = self.num_arg(&args, "node", u64::from(MAX_NODES) - 1)?.map(|n| n as u8);
        let cpu = self.num_arg(&args, "cpu", u64::from(MAX_CPUS) - 1)?.map(|c| c as u16);
        let as_arg = args.iter().find(|a| a.key == "as").ok_or_else(|| {
            err_at(&start, ScriptErrorKind::MissingKey { key: "as", command: "pages alloc".into() }, None)
        })?;
        let target = self.target(as_arg)?;
        Ok(Op::PagesAlloc { order, node, cpu, target })
    }

    fn pages_free(&mut self) -> PResult<Op> {
        let (what, cpu) = self.ref_and_cpu("pages free")?;
        Ok(Op::PagesFree { what, cpu })
    }
}

fn flatten(stmts: &[Stmt], prog: &mut Program, budget: &mut u64) -> bool {
    for s in stmts {
        match s {
            Stmt::Op(op, line) => {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                prog.ops.push(*op);
                prog.lines.push(*line);
            }
            Stmt::Repeat(n, body, _) => {
                for _ in 0..*n {
                    if !flatten(body, prog, budget) {
                        return false;
                    }
                    if body.is_empty() {
                        break;
                    }
                }
            }
        }
    }
    true
}

fn count_ops(stmts: &[Stmt]) -> u64 {
    stmts
        .iter()
        .map(|s| match s {
            Stmt::Op(..) => 1,
            Stmt::Repeat(n, body, _) => n.saturating_mul(count_ops(body)),
        })
        .fold(0u64, u64::saturating_add)
}

/// Parse a script, interning names into `names`, under the default [`Limits`].
pub fn parse(src: &str, names: &mut Names) -> Result<Program, ScriptError> {
    parse_with(src, names, &Limits::default())
}

/// Parse a script under `limits` (script size, `repeat` depth, expanded op count): an input over
/// a limit is refused up front, located at the statement that crosses it.
pub fn parse_with(src: &str, names: &mut Names, limits: &Limits) -> Result<Program, ScriptError> {
    let limit_at = |line, col, e| ScriptError { line, col, kind: ScriptErrorKind::Limit(e), suggestion: None };
    limits.check(Limit::ScriptBytes, src.len() as u64).map_err(|e| limit_at(1, 1, e))?;
    let max_depth = limits.max_depth.min(HARD_MAX_DEPTH);
    let mut p =
        Parser { toks: tokenize(src), pos: 0, names, settings: Vec::new(), seen_op: false, depth: 0, max_depth };
    let stmts = p.program()?;
    let mut prog = Program { settings: std::mem::take(&mut p.settings), ..Default::default() };
    let mut total = 0u64;
    for s in &stmts {
        let (n, (line, col)) = match s {
            Stmt::Op(_, line) => (1, (*line, 1)),
            Stmt::Repeat(..) => (count_ops(std::slice::from_ref(s)), stmt_pos(s)),
        };
        total = total.saturating_add(n);
        limits.check(Limit::Ops, total).map_err(|e| limit_at(line, col, e))?;
    }
    let mut budget = limits.max_ops;
    flatten(&stmts, &mut prog, &mut budget);
    Ok(prog)
}

fn stmt_pos(s: &Stmt) -> (u32, u32) {
    match s {
        Stmt::Op(_, line) => (*line, 1),
        Stmt::Repeat(_, _, pos) => *pos,
    }
}

/// Parse `src`, build the machine from `base` plus its `config` lines (then `overrides`, e.g.
/// CLI flags), and run every op into a new session. Stops at the first failing op, reporting
/// its line.
pub fn load(src: &str, base: &MachineConfig, overrides: &[(&str, &str)]) -> Result<Session, ScriptError> {
    run(src, base, overrides, None::<fn(&Session, usize, &[crate::event::Event])>)
}

/// Like [`load`], calling `each(session, op_index, events)` after every op with the op's events.
pub fn run(
    src: &str,
    base: &MachineConfig,
    overrides: &[(&str, &str)],
    each: Option<impl FnMut(&Session, usize, &[crate::event::Event])>,
) -> Result<Session, ScriptError> {
    run_with(src, base, overrides, &Limits::default(), each)
}

/// Like [`run`] under `limits`. A script over a limit is refused before its first op.
pub fn run_with(
    src: &str,
    base: &MachineConfig,
    overrides: &[(&str, &str)],
    limits: &Limits,
    mut each: Option<impl FnMut(&Session, usize, &[crate::event::Event])>,
) -> Result<Session, ScriptError> {
    let mut names = Names::default();
    let prog = parse_with(src, &mut names, limits)?;
    let mut config = prog.apply_config(base)?;
    for (k, v) in overrides {
        set_config(&mut config, k, v).map_err(|kind| ScriptError { line: 0, col: 0, kind, suggestion: None })?;
    }
    if let Err(error) = config.validate() {
        // The script's own config was valid, so a flag broke it: name the flag.
        let keys = conflict_keys(&error);
        let flag = overrides
            .iter()
            .rev()
            .find(|(k, _)| keys.contains(k))
            .or(overrides.last())
            .map_or_else(String::new, |(k, v)| format!("--{k}={v}"));
        return Err(ScriptError {
            line: 0,
            col: 0,
            kind: ScriptErrorKind::FlagConfig { flag, error },
            suggestion: None,
        });
    }
    let bytes = (prog.ops.len() as u64).saturating_mul(crate::limits::SESSION_BYTES_PER_OP);
    limits.check(Limit::SessionBytes, bytes).map_err(|e| ScriptError {
        line: 1,
        col: 1,
        kind: ScriptErrorKind::Limit(e),
        suggestion: None,
    })?;
    let mut session = Session::with_names(config, names).map_err(|e| ScriptError {
        line: 0,
        col: 0,
        kind: ScriptErrorKind::Config(e),
        suggestion: None,
    })?;
    let mut events = Vec::new();
    for (k, (op, &line)) in prog.ops.iter().zip(&prog.lines).enumerate() {
        match &mut each {
            None => {
                session.push(*op, line).map_err(|e| op_error(line, e))?;
            }
            Some(f) => {
                events.clear();
                session.push_into(*op, line, &mut events).map_err(|e| op_error(line, e))?;
                f(&session, k, &events);
            }
        }
    }
    Ok(session)
}

/// Locate a runtime op error at its line. (The op error's own text carries any suggestion.)
pub fn op_error(line: u32, e: OpError) -> ScriptError {
    ScriptError { line, col: 1, kind: ScriptErrorKind::Op(e), suggestion: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> (Program, Names) {
        let mut names = Names::default();
        let p = parse(src, &mut names).unwrap_or_else(|e| panic!("{e}"));
        (p, names)
    }

    fn parse_err(src: &str) -> ScriptError {
        parse(src, &mut Names::default()).expect_err("should fail")
    }

    #[test]
    fn config_text_round_trips() {
        assert_eq!(config_text(&MachineConfig::default()), "");
        for src in [
            "config mem=1M cpus=2 nodes=2 pcp=on slab=sheaves hardened=on freelist_random=on slub_debug=FZPU",
            "config mem=260K slab=aether per_cpu_cache_size=4 bulk_transfer_size=2 max_color_offset=0 \
             slab_release_threshold=0 emergency_shrink_ratio=100 superslab_release=off percpu=magazine seed=9",
            "config mem=2G slab=slab slub_debug=Z",
        ] {
            let (p, _) = parse_ok(src);
            let c = p.apply_config(&MachineConfig::default()).unwrap();
            let text = config_text(&c);
            let (back, _) = parse_ok(&format!("config {text}"));
            assert_eq!(back.apply_config(&MachineConfig::default()).unwrap(), c, "{text}");
        }
    }

    #[test]
    fn parses_the_core_spellings() {
        let (p, names) = parse_ok(
            "# comment\nconfig mem=16M cpus=2 pcp=on\npages alloc order=3 node=0 cpu=1 as=a  # trailing\n\
             repeat 3 { pages alloc order=0 as=p[] }\npages free p[*]\npages free p[0] cpu=1\n\
             pages free a\nshow buddyinfo\nshow slabinfo\nshow stats\n",
        );
        assert_eq!(p.settings.len(), 3);
        assert_eq!(p.ops.len(), 1 + 3 + 1 + 1 + 1 + 3);
        assert_eq!(p.lines, vec![3, 4, 4, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(p.ops[0].to_script(&names), "pages alloc order=3 node=0 cpu=1 as=a");
        assert_eq!(p.ops[1].to_script(&names), "pages alloc order=0 as=p[]");
        assert_eq!(p.ops[4].to_script(&names), "pages free p[*]");
        assert_eq!(p.ops[5].to_script(&names), "pages free p[0] cpu=1");
        let c = p.apply_config(&MachineConfig::default()).unwrap();
        assert_eq!((c.mem_bytes, c.cpus, c.pcp), (16 << 20, 2, true));
    }

    #[test]
    fn multi_line_and_nested_repeat() {
        let (p, _) = parse_ok("repeat 2 {\n  repeat 3 {\n    pages alloc order=0 as=x[]\n  }\n  pages free x[*]\n}\n");
        assert_eq!(p.ops.len(), 8);
        let (p, _) = parse_ok("repeat 2\n{\npages alloc order=1 as=y[]; pages free y[0]\n}");
        assert_eq!(p.ops.len(), 4);
    }

    #[test]
    fn errors_are_located_with_suggestions() {
        let e = parse_err("pages alloc ordr=3 as=a");
        assert_eq!((e.line, e.col), (1, 13));
        assert_eq!(e.suggestion.as_deref(), Some("order"));
        assert_eq!(e.to_string(), "1:13: `pages alloc` takes no `ordr=`; did you mean `order`?");

        let e = parse_err("\n  pagse alloc order=1 as=a");
        assert_eq!((e.line, e.col, e.suggestion.as_deref()), (2, 3, Some("pages")));

        let e = parse_err("pages alloc order=11 as=a");
        assert!(matches!(e.kind, ScriptErrorKind::BadValue { .. }), "{e}");
        assert_eq!(e.col, 13);

        let e = parse_err("pages alloc order=1");
        assert!(matches!(e.kind, ScriptErrorKind::MissingKey { key: "as", .. }));

        let e = parse_err("show buddyinf");
        assert_eq!(e.suggestion.as_deref(), Some("buddyinfo"));

        let e = parse_err("pages alloc order=1 as=a\nconfig cpus=2");
        assert_eq!((e.line, e.kind.clone()), (2, ScriptErrorKind::ConfigAfterOps));

        let e = parse_err("repeat 3 { pages alloc order=0 as=p[]");
        assert_eq!(e.kind, ScriptErrorKind::Unbalanced);
        let e = parse_err("}");
        assert_eq!(e.kind, ScriptErrorKind::Unbalanced);
        let e = parse_err("pages free p[x]");
        assert!(matches!(e.kind, ScriptErrorKind::Expected { .. }));
        let e = parse_err("show stats\n  repeat 3000000 { repeat 3000000 { show stats } }");
        assert!(matches!(e.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::Ops, max: MAX_OPS, .. })), "{e}");
        assert_eq!((e.line, e.col), (2, 3));
        let e = parse_err("pages alloc order=1 as=1abc");
        assert!(matches!(e.kind, ScriptErrorKind::Expected { .. }));
    }

    #[test]
    fn deep_nesting_is_a_located_limit_not_a_stack_overflow() {
        // Regression (issue #16): 10,000 nested `repeat 1 {` overflowed the stack.
        for depth in [65usize, 10_000, 200_000] {
            let src = "repeat 1 { ".repeat(depth);
            let e = parse_err(&src);
            match e.kind {
                ScriptErrorKind::Limit(LimitError { limit: Limit::Depth, value: 65, max: 64 }) => {}
                ref k => panic!("{k:?}"),
            }
            assert_eq!((e.line, e.col), (1, 1 + 64 * 11));
            assert!(e.to_string().contains("--max-depth"), "{e}");
        }
        let ok = format!("{}show stats{}", "repeat 1 { ".repeat(64), " }".repeat(64));
        assert_eq!(parse_ok(&ok).0.ops.len(), 1);
        // A raised limit is still capped by the parser's own stack budget.
        let lim = Limits { max_depth: u64::MAX, ..Limits::default() };
        let e = parse_with(&"repeat 1 {\n".repeat(100_000), &mut Names::default(), &lim).unwrap_err();
        assert_eq!(e.line, HARD_MAX_DEPTH as u32 + 1, "{e}");
    }

    #[test]
    fn op_and_size_limits_say_the_number_and_the_flag() {
        let lim = Limits { max_ops: 10, ..Limits::default() };
        let e = parse_with("repeat 5 { shrink }\nrepeat 6 { shrink }", &mut Names::default(), &lim).unwrap_err();
        assert_eq!((e.line, e.col), (2, 1));
        assert_eq!(
            e.kind.to_string(),
            "operation count (after expanding `repeat`) 11 is over the limit max_ops=10; change it with `--max-ops N` (command line)"
        );
        let e = parse_err("repeat 4294967296 { repeat 4294967296 { shrink } }");
        assert!(e.to_string().contains("(after expanding `repeat`) is over the limit max_ops=5000000"), "{e}");
        let lim = Limits { max_script_bytes: 8, ..Limits::default() };
        let e = parse_with("show stats\n", &mut Names::default(), &lim).unwrap_err();
        assert!(e.to_string().contains("--max-script-bytes"), "{e}");
        let lim = Limits { max_session_bytes: 1000, ..Limits::default() };
        let e = run_with(
            "repeat 100 { shrink }",
            &MachineConfig::default(),
            &[],
            &lim,
            None::<fn(&Session, usize, &[crate::event::Event])>,
        )
        .unwrap_err();
        assert!(e.to_string().contains("--max-session-bytes"), "{e}");
    }

    #[test]
    fn machine_conflicts_point_at_the_setting_or_the_flag() {
        let e = load("config cpus=1 nodes=4\n", &MachineConfig::default(), &[]).unwrap_err();
        assert_eq!((e.line, e.col), (1, 15), "{e}");
        let e = load("config mem=64M\nconfig cpus=2\n", &MachineConfig::default(), &[("nodes", "4")]).unwrap_err();
        assert_eq!(
            e.kind.to_string(),
            "--nodes=4 (command line): invalid machine: cpus=2 must be in 1..=64 and at least nodes=4"
        );
    }

    #[test]
    fn config_errors_are_located() {
        let mut names = Names::default();
        let p = parse("config mem=64M\nconfig nodes=3", &mut names).unwrap();
        let e = p.apply_config(&MachineConfig::default()).unwrap_err();
        assert!(matches!(e.kind, ScriptErrorKind::Config(_)), "{e}");
        let p = parse("config memory=64M", &mut names).unwrap();
        let e = p.apply_config(&MachineConfig::default()).unwrap_err();
        assert_eq!((e.line, e.col, e.suggestion.as_deref()), (1, 8, Some("mem")));
        let p = parse("config pcp=maybe", &mut names).unwrap();
        assert!(p.apply_config(&MachineConfig::default()).is_err());
    }

    #[test]
    fn runtime_errors_carry_the_line() {
        let e = load("pages alloc order=0 as=a\npages free b\n", &MachineConfig::default(), &[]).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(matches!(e.kind, ScriptErrorKind::Op(OpError::UnknownName { .. })));
        let e = load("pages alloc order=0 as=abc\npages free abd\n", &MachineConfig::default(), &[]).unwrap_err();
        assert_eq!(e.to_string(), "2:1: `abd` is not bound to anything; did you mean `abc`?");
        let e = load("config mem=64K\npages alloc order=5 as=a\n", &MachineConfig::default(), &[]).unwrap_err();
        assert!(matches!(e.kind, ScriptErrorKind::Op(OpError::OutOfMemory { order: 5 })), "{e}");
    }

    #[test]
    fn sizes_and_numbers() {
        assert_eq!(parse_size("64M"), Some(64 << 20));
        assert_eq!(parse_size("512k"), Some(512 << 10));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("M"), None);
        assert_eq!(parse_num("0x10"), Some(16));
        assert_eq!(parse_num("-1"), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
    }
}

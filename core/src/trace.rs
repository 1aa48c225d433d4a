//! Replaying real kernel traces: `perf script` output of the six kmem tracepoints
//! (`kmem:kmalloc`, `kmem:kfree`, `kmem:kmem_cache_alloc`, `kmem:kmem_cache_free`,
//! `kmem:mm_page_alloc`, `kmem:mm_page_free`) and `/proc/slabinfo` snapshots.
//!
//! A trace becomes a session: traced CPUs map to simulated CPUs (modulo the machine's count),
//! named caches are created on first sight with the traced object size, kmalloc goes to the
//! kmalloc caches, frees find the simulated object through the traced pointer, page events go to
//! the buddy allocator. Frees of objects allocated before the trace began and `ptr=(nil)` frees
//! are counted, not errors; malformed lines are reported with their line numbers and skipped.
//! Pages the kernel allocated *for* slabs appear in traces as page events too; the simulation
//! makes its own slab pages, so those events are replayed as ordinary page allocations.
//!
//! **Streaming.** [`Loader`] takes the trace in chunks of bytes (any split, plain text; the caller
//! decompresses) and replays each complete line at once: nothing holds the whole file, and the
//! only memory that grows with the trace is what the result retains. **What is retained**
//! ([`TraceFacts`]): per event 16 bytes (timestamp, interned task = comm/pid/CPU, interned shape =
//! tracepoint/call site/cache/sizes/gfp/order/node, slot = traced pointer); strings, tasks, shapes
//! and slots are interned once; trace lines are kept as runs. Trace ops use one name per traced
//! address (`o<ptr>` / `p<pfn>`), reused when the address is allocated again, so the name table
//! grows with distinct addresses, not with events. `ptr=(nil)` frees are only counted.
//!
//! **Queries** ([`TraceSession`]): op → trace facts and back, the lineage of an address (every
//! allocation and free of it, with the op each became and the next allocation that reused it),
//! summaries by call site / comm / cache, filters that select op indices, the report.
//!
//! **Limits** ([`Limits`]): retained events (a memory budget at [`RETAINED_BYTES_PER_EVENT`]),
//! line length, stored malformed/unmatched line numbers, traced CPU ids, page orders, sizes —
//! each a named limit; going over the event budget stops the load with [`TraceError::OverBudget`].
//!
//! Invariants: fact `i`'s line is strictly greater than fact `i-1`'s; an op at index
//! `>= first_op` was made from the fact on its line; `Kind` of a fact decides its op's kind.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::Hash;

use serde::Serialize;

use crate::event::Sym;
use crate::machine::MachineConfig;
use crate::names::Names;
use crate::op::{Op, Ref, Target};
use crate::session::Session;
use crate::sim::Sim;
use crate::slab_layout::CacheFlags;

/// Budget the retained trace facts and ops are planned against, in bytes per event (checked by
/// the benchmark in BENCHMARKS.md, not by a timed test).
pub const RETAINED_BYTES_PER_EVENT: u64 = 64;
/// Traced CPU ids at or above this are malformed (`[999]`): the simulation has at most
/// [`crate::machine::MAX_CPUS`] CPUs and folds traced CPUs onto them, but a CPU id this large in
/// a kmem trace is a corrupt line, not a machine.
pub const MAX_TRACED_CPU: u16 = 512;
/// `node=` values at or above this are malformed (Linux's largest `MAX_NUMNODES` is 1024).
pub const MAX_TRACED_NODE: i64 = 1024;
/// Largest `bytes_req` / `bytes_alloc` a kmalloc can have (`KMALLOC_MAX_SIZE`, 4 MiB).
pub const MAX_TRACED_BYTES: u64 = crate::slab_layout::KMALLOC_MAX_SIZE;
/// Checkpoint budget of trace sessions in bytes per op (the session default is 48): with ~17 B of
/// facts and ~10 B of op list per event (ops interned, lines as runs: `timeline/oplist.rs`) this
/// keeps a trace session within [`RETAINED_BYTES_PER_EVENT`] together with the simulated state.
pub const TRACE_CHECKPOINT_BYTES_PER_OP: usize = 10;
/// Ops between renewals of a trace session's state near its end (the session default is 4096;
/// s11-seek): each renewal makes the replay's next writes copy the chunks they touch, ~10 % of
/// a load at 4096. A seek to the end replays at most this many ops until the End checkpoint
/// (`Session::checkpoint_before_last`) is made.
pub const TRACE_TAIL_OPS: usize = 32768;
/// Events the CPU count is guessed from when it is not given (`Boot::Config { auto_cpus }`).
pub const CPU_PROBE_EVENTS: usize = 4096;

/// Which tracepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `kmem:kmalloc`.
    Kmalloc,
    /// `kmem:kfree`.
    Kfree,
    /// `kmem:kmem_cache_alloc`.
    CacheAlloc,
    /// `kmem:kmem_cache_free`.
    CacheFree,
    /// `kmem:mm_page_alloc`.
    PageAlloc,
    /// `kmem:mm_page_free`.
    PageFree,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 6] =
        [Kind::Kmalloc, Kind::Kfree, Kind::CacheAlloc, Kind::CacheFree, Kind::PageAlloc, Kind::PageFree];
    /// The tracepoint name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Kmalloc => "kmem:kmalloc",
            Kind::Kfree => "kmem:kfree",
            Kind::CacheAlloc => "kmem:kmem_cache_alloc",
            Kind::CacheFree => "kmem:kmem_cache_free",
            Kind::PageAlloc => "kmem:mm_page_alloc",
            Kind::PageFree => "kmem:mm_page_free",
        }
    }
    /// An allocation (of an object or of pages).
    pub fn is_alloc(self) -> bool {
        matches!(self, Kind::Kmalloc | Kind::CacheAlloc | Kind::PageAlloc)
    }
    /// A page event (the pointer is a page frame number).
    pub fn is_page(self) -> bool {
        matches!(self, Kind::PageAlloc | Kind::PageFree)
    }
    /// The kind of a tracepoint name, with that name as a `'static` string.
    fn from_event(event: &str) -> Option<(Kind, &'static str)> {
        Some(match event {
            "kmem:kmalloc" => (Kind::Kmalloc, "kmem:kmalloc"),
            "kmem:kmalloc_node" => (Kind::Kmalloc, "kmem:kmalloc_node"),
            "kmem:kfree" => (Kind::Kfree, "kmem:kfree"),
            "kmem:kmem_cache_alloc" => (Kind::CacheAlloc, "kmem:kmem_cache_alloc"),
            "kmem:kmem_cache_alloc_node" => (Kind::CacheAlloc, "kmem:kmem_cache_alloc_node"),
            "kmem:kmem_cache_free" => (Kind::CacheFree, "kmem:kmem_cache_free"),
            "kmem:mm_page_alloc" => (Kind::PageAlloc, "kmem:mm_page_alloc"),
            "kmem:mm_page_free" => (Kind::PageFree, "kmem:mm_page_free"),
            _ => return None,
        })
    }
}

/// One traced event (owned; [`RawEvent`] is the borrowed form the streaming parser uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// 1-based line in the trace file.
    pub line: u32,
    /// Task name.
    pub comm: String,
    /// Process id.
    pub pid: u32,
    /// Traced CPU.
    pub cpu: u16,
    /// Timestamp in nanoseconds.
    pub ts_ns: u64,
    /// Tracepoint.
    pub kind: Kind,
    /// `call_site=` (function+offset).
    pub call_site: Option<String>,
    /// `ptr=` (0 for `(nil)`), or the page frame number for page events.
    pub ptr: u64,
    /// `name=` (cache name).
    pub cache: Option<String>,
    /// `bytes_req=`.
    pub bytes_req: u32,
    /// `bytes_alloc=`.
    pub bytes_alloc: u32,
    /// `gfp_flags=`.
    pub gfp: Option<String>,
    /// `node=` (-1 = any).
    pub node: i32,
    /// `order=` of page events.
    pub order: u8,
}

/// One traced event, borrowing its strings from the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RawEvent<'a> {
    /// Task name.
    pub comm: &'a str,
    /// Process id.
    pub pid: u32,
    /// Traced CPU.
    pub cpu: u16,
    /// Timestamp in nanoseconds.
    pub ts_ns: u64,
    /// Tracepoint.
    pub kind: Kind,
    /// `call_site=`.
    pub call_site: Option<&'a str>,
    /// `ptr=` or `pfn=`.
    pub ptr: u64,
    /// `name=`.
    pub cache: Option<&'a str>,
    /// `bytes_req=`.
    pub bytes_req: u32,
    /// `bytes_alloc=`.
    pub bytes_alloc: u32,
    /// `gfp_flags=`.
    pub gfp: Option<&'a str>,
    /// `node=` (-1 = any).
    pub node: i32,
    /// `order=`.
    pub order: u8,
}

impl RawEvent<'_> {
    /// The owned form.
    pub fn to_owned_event(&self, line: u32) -> TraceEvent {
        TraceEvent {
            line,
            comm: self.comm.to_string(),
            pid: self.pid,
            cpu: self.cpu,
            ts_ns: self.ts_ns,
            kind: self.kind,
            call_site: self.call_site.map(String::from),
            ptr: self.ptr,
            cache: self.cache.map(String::from),
            bytes_req: self.bytes_req,
            bytes_alloc: self.bytes_alloc,
            gfp: self.gfp.map(String::from),
            node: self.node,
            order: self.order,
        }
    }
}

impl TraceEvent {
    /// The borrowed form.
    pub fn as_raw(&self) -> RawEvent<'_> {
        RawEvent {
            comm: &self.comm,
            pid: self.pid,
            cpu: self.cpu,
            ts_ns: self.ts_ns,
            kind: self.kind,
            call_site: self.call_site.as_deref(),
            ptr: self.ptr,
            cache: self.cache.as_deref(),
            bytes_req: self.bytes_req,
            bytes_alloc: self.bytes_alloc,
            gfp: self.gfp.as_deref(),
            node: self.node,
            order: self.order,
        }
    }
}

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BadLine {
    /// 1-based line.
    pub line: u32,
    /// What is wrong.
    pub reason: MalformedReason,
}

/// A `key=value` field of a kmem tracepoint line that an event needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// `ptr=`.
    Ptr,
    /// `pfn=`.
    Pfn,
    /// `bytes_req=`.
    BytesReq,
    /// `bytes_alloc=`.
    BytesAlloc,
    /// `order=`.
    Order,
}

impl Field {
    /// The field's name as the trace spells it (without the `=`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Ptr => "ptr",
            Field::Pfn => "pfn",
            Field::BytesReq => "bytes_req",
            Field::BytesAlloc => "bytes_alloc",
            Field::Order => "order",
        }
    }
}

/// Why a trace line is malformed: the field or value concerned, typed. [`fmt::Display`] is the
/// CLI's English text; [`MalformedReason::key`] and [`MalformedReason::args`] are the message key
/// and parameters the web translates (`web/src/i18n.rs`, keys `trace.malformed.*`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedReason {
    /// No ` [` opening the CPU field.
    NoCpu,
    /// `[` without `]`.
    UnterminatedCpu,
    /// The CPU between the brackets is not a number.
    CpuNotANumber,
    /// A CPU id at or above [`MAX_TRACED_CPU`].
    CpuOutOfRange {
        /// The CPU id.
        cpu: u16,
    },
    /// No pid before `[cpu]`.
    NoPid,
    /// No task name before the pid.
    NoComm,
    /// No `timestamp:` after `[cpu]`.
    NoTimestamp,
    /// The timestamp is not `secs.frac`.
    BadTimestamp,
    /// No `event:` after the timestamp.
    NoEvent,
    /// The tracepoint needs a field the line does not have.
    MissingField {
        /// The tracepoint as the line names it (`kmem:kmalloc`, `kmem:kmalloc_node`, …).
        event: &'static str,
        /// The field.
        field: Field,
    },
    /// A field that must be a number is not one.
    NotANumber {
        /// The field.
        field: Field,
    },
    /// `node=` is not -1 or a node id below [`MAX_TRACED_NODE`].
    NodeOutOfRange {
        /// The value as the line has it.
        value: Box<str>,
    },
    /// `bytes_req` or `bytes_alloc` above [`MAX_TRACED_BYTES`].
    SizeOutOfRange {
        /// `bytes_req=`.
        bytes_req: u64,
        /// `bytes_alloc=`.
        bytes_alloc: u64,
    },
    /// `bytes_alloc < bytes_req`.
    AllocBelowRequest {
        /// `bytes_req=`.
        bytes_req: u64,
        /// `bytes_alloc=`.
        bytes_alloc: u64,
    },
    /// `kmem_cache_alloc` without `name=`.
    CacheAllocWithoutName,
    /// An allocation of `ptr=(nil)`.
    NilAllocation,
    /// A page order above `MAX_PAGE_ORDER`.
    OrderOutOfRange {
        /// The order.
        order: u64,
    },
    /// A line over [`Limits::max_line_bytes`].
    LineTooLong {
        /// The limit in bytes.
        max: usize,
    },
    /// The line is not UTF-8.
    InvalidUtf8 {
        /// 1-based byte of the line where the invalid sequence starts.
        byte: usize,
    },
}

impl MalformedReason {
    /// One reason of every kind (for catalogue tests: every variant has a translation).
    pub fn examples() -> Vec<MalformedReason> {
        use MalformedReason as M;
        let all = vec![
            M::NoCpu,
            M::UnterminatedCpu,
            M::CpuNotANumber,
            M::CpuOutOfRange { cpu: 999 },
            M::NoPid,
            M::NoComm,
            M::NoTimestamp,
            M::BadTimestamp,
            M::NoEvent,
            M::MissingField { event: "kmem:kmalloc", field: Field::BytesReq },
            M::NotANumber { field: Field::Ptr },
            M::NodeOutOfRange { value: "2000".into() },
            M::SizeOutOfRange { bytes_req: 8, bytes_alloc: u64::MAX },
            M::AllocBelowRequest { bytes_req: 64, bytes_alloc: 32 },
            M::CacheAllocWithoutName,
            M::NilAllocation,
            M::OrderOutOfRange { order: 99 },
            M::LineTooLong { max: 65536 },
            M::InvalidUtf8 { byte: 3 },
        ];
        // Exhaustiveness guard: a new variant must be added above (this match stops compiling).
        for r in &all {
            match r {
                M::NoCpu
                | M::UnterminatedCpu
                | M::CpuNotANumber
                | M::CpuOutOfRange { .. }
                | M::NoPid
                | M::NoComm
                | M::NoTimestamp
                | M::BadTimestamp
                | M::NoEvent
                | M::MissingField { .. }
                | M::NotANumber { .. }
                | M::NodeOutOfRange { .. }
                | M::SizeOutOfRange { .. }
                | M::AllocBelowRequest { .. }
                | M::CacheAllocWithoutName
                | M::NilAllocation
                | M::OrderOutOfRange { .. }
                | M::LineTooLong { .. }
                | M::InvalidUtf8 { .. } => {}
            }
        }
        all
    }

    /// Message key of the web's catalogue.
    pub fn key(&self) -> &'static str {
        use MalformedReason as M;
        match self {
            M::NoCpu => "trace.malformed.no_cpu",
            M::UnterminatedCpu => "trace.malformed.unterminated_cpu",
            M::CpuNotANumber => "trace.malformed.cpu_not_a_number",
            M::CpuOutOfRange { .. } => "trace.malformed.cpu_out_of_range",
            M::NoPid => "trace.malformed.no_pid",
            M::NoComm => "trace.malformed.no_comm",
            M::NoTimestamp => "trace.malformed.no_timestamp",
            M::BadTimestamp => "trace.malformed.bad_timestamp",
            M::NoEvent => "trace.malformed.no_event",
            M::MissingField { .. } => "trace.malformed.missing_field",
            M::NotANumber { .. } => "trace.malformed.not_a_number",
            M::NodeOutOfRange { .. } => "trace.malformed.node_out_of_range",
            M::SizeOutOfRange { .. } => "trace.malformed.size_out_of_range",
            M::AllocBelowRequest { .. } => "trace.malformed.alloc_below_request",
            M::CacheAllocWithoutName => "trace.malformed.cache_alloc_without_name",
            M::NilAllocation => "trace.malformed.nil_allocation",
            M::OrderOutOfRange { .. } => "trace.malformed.order_out_of_range",
            M::LineTooLong { .. } => "trace.malformed.line_too_long",
            M::InvalidUtf8 { .. } => "trace.malformed.invalid_utf8",
        }
    }

    /// Parameters of the message (names as in the catalogue's `{name}` placeholders).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        use MalformedReason as M;
        match self {
            M::CpuOutOfRange { cpu } => vec![("cpu", cpu.to_string()), ("max", MAX_TRACED_CPU.to_string())],
            M::MissingField { event, field } => vec![("event", event.to_string()), ("field", field.name().into())],
            M::NotANumber { field } => vec![("field", field.name().into())],
            M::NodeOutOfRange { value } => vec![("value", value.to_string())],
            M::SizeOutOfRange { bytes_req, bytes_alloc } => vec![
                ("bytes_req", bytes_req.to_string()),
                ("bytes_alloc", bytes_alloc.to_string()),
                ("max", MAX_TRACED_BYTES.to_string()),
            ],
            M::AllocBelowRequest { bytes_req, bytes_alloc } => {
                vec![("bytes_req", bytes_req.to_string()), ("bytes_alloc", bytes_alloc.to_string())]
            }
            M::OrderOutOfRange { order } => {
                vec![("order", order.to_string()), ("max", crate::machine::MAX_PAGE_ORDER.to_string())]
            }
            M::LineTooLong { max } => vec![("max", max.to_string())],
            M::InvalidUtf8 { byte } => vec![("byte", byte.to_string())],
            M::NoCpu
            | M::UnterminatedCpu
            | M::CpuNotANumber
            | M::NoPid
            | M::NoComm
            | M::NoTimestamp
            | M::BadTimestamp
            | M::NoEvent
            | M::CacheAllocWithoutName
            | M::NilAllocation => Vec::new(),
        }
    }
}

impl fmt::Display for MalformedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MalformedReason as M;
        match self {
            M::NoCpu => f.write_str("no `[cpu]` field"),
            M::UnterminatedCpu => f.write_str("unterminated `[cpu]` field"),
            M::CpuNotANumber => f.write_str("the CPU in `[cpu]` is not a number"),
            M::CpuOutOfRange { cpu } => {
                write!(f, "CPU [{cpu}] out of range (traced CPU ids are below {MAX_TRACED_CPU})")
            }
            M::NoPid => f.write_str("no pid before `[cpu]`"),
            M::NoComm => f.write_str("no task name before the pid"),
            M::NoTimestamp => f.write_str("no `timestamp:`"),
            M::BadTimestamp => f.write_str("bad timestamp"),
            M::NoEvent => f.write_str("no `event:`"),
            M::MissingField { event, field } => write!(f, "{event} without `{}=`", field.name()),
            M::NotANumber { field } => write!(f, "`{}=` is not a number", field.name()),
            M::NodeOutOfRange { value } => write!(f, "`node={value}` out of range"),
            M::SizeOutOfRange { bytes_req, bytes_alloc } => write!(
                f,
                "size out of range (bytes_req={bytes_req} bytes_alloc={bytes_alloc}; at most {MAX_TRACED_BYTES})"
            ),
            M::AllocBelowRequest { bytes_req, bytes_alloc } => {
                write!(f, "bytes_alloc={bytes_alloc} is below bytes_req={bytes_req}")
            }
            M::CacheAllocWithoutName => f.write_str("kmem_cache_alloc without `name=`"),
            M::NilAllocation => f.write_str("an allocation of `ptr=(nil)` (a failed allocation is not traced)"),
            M::OrderOutOfRange { order } => {
                write!(f, "order={order} out of range (at most {})", crate::machine::MAX_PAGE_ORDER)
            }
            M::LineTooLong { max } => write!(f, "line longer than {max} bytes"),
            M::InvalidUtf8 { byte } => write!(f, "invalid UTF-8 at byte {byte} of the line"),
        }
    }
}

/// Serialised as its English text (the JSON form of a report keeps its shape).
impl Serialize for MalformedReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// Unsigned decimal as Rust's `str::parse::<u64>` reads it (an optional `+`, then digits).
/// Up to 19 digits cannot overflow a `u64`, so they are summed without checks (the common
/// case: timestamps, pids, sizes); longer numbers take the checked loop.
#[inline]
fn dec(v: &[u8]) -> Option<u64> {
    let v = v.strip_prefix(b"+").unwrap_or(v);
    if v.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    if v.len() <= 19 {
        for &b in v {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
        return Some(n);
    }
    for &b in v {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Hexadecimal digits as `u64::from_str_radix(v, 16)` reads them (an optional `+`): leading
/// zeros skipped, then at most 16 digits, which cannot overflow.
#[inline]
fn hex(v: &[u8]) -> Option<u64> {
    let v = v.strip_prefix(b"+").unwrap_or(v);
    if v.is_empty() {
        return None;
    }
    let zeros = v.iter().take_while(|&&b| b == b'0').count();
    let digits = &v[zeros..];
    if digits.len() > 16 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        n = (n << 4) | u64::from(d);
    }
    Some(n)
}

fn num(v: &[u8]) -> Option<u64> {
    if v == b"(nil)" {
        return Some(0);
    }
    match v.strip_prefix(b"0x") {
        Some(h) => hex(h),
        None => dec(v),
    }
}

/// `secs.frac` (up to 9 fraction digits) in nanoseconds.
fn timestamp(ts: &[u8]) -> Option<u64> {
    let (secs, frac) = match memchr::memchr(b'.', ts) {
        Some(i) => (&ts[..i], &ts[i + 1..]),
        None => (ts, &b""[..]),
    };
    if frac.len() > 9 || !frac.iter().all(u8::is_ascii_digit) || secs.is_empty() {
        return None;
    }
    let secs = dec(secs)?;
    let mut ns: u64 = if frac.is_empty() { 0 } else { dec(frac)? };
    for _ in frac.len()..9 {
        ns *= 10;
    }
    secs.checked_mul(1_000_000_000)?.checked_add(ns)
}

type Reason = MalformedReason;

/// The next token separated by ASCII whitespace (as `split_ascii_whitespace`): `(start, end)`.
#[inline]
fn token(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if i == b.len() {
        return None;
    }
    let start = i;
    while i < b.len() && !b[i].is_ascii_whitespace() {
        i += 1;
    }
    Some((start, i))
}

/// Index of the first space in `b` at or after `from` (`b.len()` when none): eight bytes at a
/// time (SWAR: a zero byte of `word ^ 0x2020…` is a space), portable to WebAssembly, no call per
/// token.
#[inline]
fn next_space(b: &[u8], mut from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(from..from + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b' '));
        // The lowest set high bit marks the first zero byte of `x` exactly.
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        if zero != 0 {
            return from + (zero.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    b.get(from..).and_then(|r| r.iter().position(|&c| c == b' ')).map_or(b.len(), |i| from + i)
}

/// Tokens of `b` from `at` on, as `split_ascii_whitespace` cuts them: between spaces found by
/// [`next_space`] when the rest has no other ASCII whitespace (perf separates fields by
/// spaces), else byte by byte.
struct Tokens<'a> {
    b: &'a [u8],
    at: usize,
    fast: bool,
}

impl<'a> Tokens<'a> {
    fn new(b: &'a [u8], at: usize) -> Tokens<'a> {
        let fast = memchr::memchr3(b'\t', b'\r', 0x0c, b.get(at..).unwrap_or(&[])).is_none();
        Tokens { b, at, fast }
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize);
    #[inline]
    fn next(&mut self) -> Option<(usize, usize)> {
        if !self.fast {
            let r = token(self.b, self.at)?;
            self.at = r.1;
            return Some(r);
        }
        while self.at < self.b.len() {
            let s = self.at;
            let end = next_space(self.b, s);
            self.at = end + 1;
            if end > s {
                return Some((s, end));
            }
        }
        None
    }
}

/// `&str` of a byte range of `t` cut at ASCII bytes (so always on character boundaries).
#[inline]
fn sub(t: &str, from: usize, to: usize) -> &str {
    t.get(from..to).unwrap_or("")
}

/// `s.trim()` (Unicode whitespace) without the `char` decoding when both ends are plain ASCII
/// other than vertical tab (the one byte `str::trim` strips and `trim_ascii` does not).
#[inline]
fn trim_comm(s: &str) -> &str {
    let t = s.trim_ascii();
    let plain = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii() && b != 0x0b);
    if plain(t.as_bytes().first()) && plain(t.as_bytes().last()) {
        t
    } else {
        s.trim()
    }
}

/// Parse one `perf script` line without copying it. `Ok(None)` for blank lines, comments and
/// other tracepoints. Values outside what a kernel can trace (CPU ids from
/// [`MAX_TRACED_CPU`], orders above `MAX_PAGE_ORDER`, sizes above [`MAX_TRACED_BYTES`],
/// `bytes_alloc < bytes_req`) are malformed. Byte-level: no allocation unless the line is
/// malformed.
pub fn parse_raw(text: &str) -> Result<Option<RawEvent<'_>>, Reason> {
    let t = text.trim_ascii();
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    // `comm pid [cpu] timestamp: event: fields` (comm may contain spaces).
    let b = t.as_bytes();
    let mut from = 0;
    let open = loop {
        let Some(i) = memchr::memchr(b'[', &b[from..]).map(|i| from + i) else {
            return Err(MalformedReason::NoCpu);
        };
        if i > 0 && b[i - 1] == b' ' {
            break i - 1;
        }
        from = i + 1;
    };
    let close = memchr::memchr(b']', &b[open..]).map(|i| open + i).ok_or(MalformedReason::UnterminatedCpu)?;
    let cpu = dec(b[open + 2..close].trim_ascii())
        .and_then(|c| u16::try_from(c).ok())
        .ok_or(MalformedReason::CpuNotANumber)?;
    if cpu >= MAX_TRACED_CPU {
        return Err(MalformedReason::CpuOutOfRange { cpu });
    }
    let head = b[..open].trim_ascii_end();
    let (comm, pid) = match head.iter().rposition(|&c| c == b' ' || c == b'\t') {
        Some(i) => (trim_comm(sub(t, 0, i)), &head[i + 1..]),
        None => ("", head),
    };
    let pid = dec(pid).and_then(|p| u32::try_from(p).ok()).ok_or(MalformedReason::NoPid)?;
    if comm.is_empty() {
        return Err(MalformedReason::NoComm);
    }
    let mut tokens = Tokens::new(b, close + 1);
    let (s, e) = tokens.next().ok_or(MalformedReason::NoTimestamp)?;
    let ts = b[s..e].strip_suffix(b":").ok_or(MalformedReason::NoTimestamp)?;
    let ts_ns = timestamp(ts).ok_or(MalformedReason::BadTimestamp)?;
    let (s, e) = tokens.next().ok_or(MalformedReason::NoEvent)?;
    let event = sub(t, s, e).strip_suffix(':').ok_or(MalformedReason::NoEvent)?;
    let Some((kind, event)) = Kind::from_event(event) else { return Ok(None) };
    let (mut call_site, mut ptr, mut pfn, mut cache, mut req, mut alloc, mut gfp, mut node, mut order) =
        (None, None, None, None, None, None, None, None, None);
    for (s, e) in tokens {
        let kv = &b[s..e];
        // The key is the text before the token's first `=`; none of these keys contains one, so
        // a token starting with `key=` has exactly that key. Dispatching on the first byte and
        // comparing a constant prefix needs no scan for the `=` and no `memcmp` call.
        let (slot, eq) = match kv[0] {
            b'c' if kv.starts_with(b"call_site=") => (&mut call_site, 9),
            b'p' if kv.starts_with(b"ptr=") => (&mut ptr, 3),
            b'p' if kv.starts_with(b"pfn=") => (&mut pfn, 3),
            b'n' if kv.starts_with(b"name=") => (&mut cache, 4),
            b'n' if kv.starts_with(b"node=") => (&mut node, 4),
            b'b' if kv.starts_with(b"bytes_req=") => (&mut req, 9),
            b'b' if kv.starts_with(b"bytes_alloc=") => (&mut alloc, 11),
            b'g' if kv.starts_with(b"gfp_flags=") => (&mut gfp, 9),
            b'o' if kv.starts_with(b"order=") => (&mut order, 5),
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some((s + eq + 1, e));
        }
    }
    let text_of = |r: Option<(usize, usize)>| r.map(|(s, e)| sub(t, s, e));
    let need = |field: Field, v: Option<(usize, usize)>| -> Result<u64, Reason> {
        let (s, e) = v.ok_or(MalformedReason::MissingField { event, field })?;
        num(&b[s..e]).ok_or(MalformedReason::NotANumber { field })
    };
    let node = match node {
        None => -1,
        Some((s, e)) => {
            let v = &b[s..e];
            let n = match v.strip_prefix(b"-") {
                Some(d) => dec(d).filter(|_| !d.starts_with(b"+")).and_then(|d| i64::try_from(d).ok()).map(|d| -d),
                None => dec(v).and_then(|d| i64::try_from(d).ok()),
            };
            match n {
                Some(n) if (-1..MAX_TRACED_NODE).contains(&n) => n as i32,
                _ => return Err(MalformedReason::NodeOutOfRange { value: sub(t, s, e).into() }),
            }
        }
    };
    let mut ev = RawEvent {
        comm,
        pid,
        cpu,
        ts_ns,
        kind,
        call_site: text_of(call_site),
        ptr: 0,
        cache: text_of(cache),
        bytes_req: 0,
        bytes_alloc: 0,
        gfp: text_of(gfp),
        node,
        order: 0,
    };
    match kind {
        Kind::Kmalloc | Kind::CacheAlloc => {
            ev.ptr = need(Field::Ptr, ptr)?;
            let (r, a) = (need(Field::BytesReq, req)?, need(Field::BytesAlloc, alloc)?);
            if r > MAX_TRACED_BYTES || a > MAX_TRACED_BYTES {
                return Err(MalformedReason::SizeOutOfRange { bytes_req: r, bytes_alloc: a });
            }
            if a < r {
                return Err(MalformedReason::AllocBelowRequest { bytes_req: r, bytes_alloc: a });
            }
            (ev.bytes_req, ev.bytes_alloc) = (r as u32, a as u32);
            if kind == Kind::CacheAlloc && ev.cache.is_none() {
                return Err(MalformedReason::CacheAllocWithoutName);
            }
            if ev.ptr == 0 {
                return Err(MalformedReason::NilAllocation);
            }
        }
        Kind::Kfree | Kind::CacheFree => ev.ptr = need(Field::Ptr, ptr)?,
        Kind::PageAlloc | Kind::PageFree => {
            ev.ptr = need(Field::Pfn, pfn)?;
            let o = need(Field::Order, order)?;
            if o > u64::from(crate::machine::MAX_PAGE_ORDER) {
                return Err(MalformedReason::OrderOutOfRange { order: o });
            }
            ev.order = o as u8;
        }
    }
    Ok(Some(ev))
}

/// Parse one `perf script` line. `Ok(None)` for blank lines, comments and other tracepoints.
pub fn parse_line(text: &str, line: u32) -> Result<Option<TraceEvent>, BadLine> {
    match parse_raw(text) {
        Ok(ev) => Ok(ev.map(|e| e.to_owned_event(line))),
        Err(reason) => Err(BadLine { line, reason }),
    }
}

/// Parse a whole trace held in memory: events in order, and the lines that could not be read.
/// (Large traces: use [`Loader`], which streams.)
pub fn parse(text: &str) -> (Vec<TraceEvent>, Vec<BadLine>) {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match parse_line(l, line) {
            Ok(Some(e)) => events.push(e),
            Ok(None) => {}
            Err(b) => bad.push(b),
        }
    }
    (events, bad)
}

// ---------------------------------------------------------------------------------------------
// Interning
// ---------------------------------------------------------------------------------------------

use crate::timeline::oplist::FxMap;

/// "No value" in interned columns.
const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
struct Strings {
    list: Vec<Box<str>>,
    index: FxMap<Box<str>, u32>,
}

impl Strings {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.into());
        self.index.insert(s.into(), i);
        i
    }
    fn get(&self, i: u32) -> Option<&str> {
        self.list.get(i as usize).map(|s| &**s)
    }
    fn bytes(&self) -> usize {
        self.list.iter().map(|s| 2 * s.len() + 2 * 16 + 24).sum()
    }
}

/// Generic interner of small `Copy` records.
#[derive(Clone, Debug)]
struct Table<T: Copy + Eq + Hash> {
    list: Vec<T>,
    index: FxMap<T, u32>,
}

impl<T: Copy + Eq + Hash> Default for Table<T> {
    fn default() -> Self {
        Table { list: Vec::new(), index: FxMap::default() }
    }
}

impl<T: Copy + Eq + Hash> Table<T> {
    fn intern(&mut self, v: T) -> u32 {
        let list = &mut self.list;
        // One hash per event, also for a new value.
        *self.index.entry(v).or_insert_with(|| {
            list.push(v);
            (list.len() - 1) as u32
        })
    }
    fn bytes(&self) -> usize {
        self.list.capacity() * std::mem::size_of::<T>() + self.index.capacity() * (std::mem::size_of::<T>() + 5)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Task {
    comm: u32,
    pid: u32,
    cpu: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Shape {
    kind: Kind,
    order: u8,
    node: i16,
    site: u32,
    cache: u32,
    gfp: u32,
    bytes_req: u32,
    bytes_alloc: u32,
}

/// Address space of a traced pointer: slab objects (`ptr=`) or page frames (`pfn=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    /// `ptr=` of kmalloc, kfree, kmem_cache_alloc, kmem_cache_free.
    Object,
    /// `pfn=` of mm_page_alloc, mm_page_free.
    Page,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SlotKey {
    space: Space,
    ptr: u64,
}

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

/// What the trace said, kept compactly next to the session (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct TraceFacts {
    strings: Strings,
    tasks: Table<Task>,
    shapes: Table<Shape>,
    slots: Table<SlotKey>,
    /// Op-language name of each slot (set when the slot is first replayed).
    slot_names: Vec<Sym>,
    name_slot: FxMap<Sym, u32>,
    /// Low 32 bits of each timestamp; the high bits are kept as runs in `ts_hi`.
    ts: Vec<u32>,
    /// `(first fact, high 32 bits of its timestamp)` whenever those change.
    ts_hi: Vec<(u32, u32)>,
    task: Vec<u32>,
    shape: Vec<u32>,
    slot: Vec<u32>,
    /// Runs of consecutive lines: `(first fact, its line)`.
    runs: Vec<(u32, u32)>,
    last_line: u32,
    /// Events by kind (`ptr=(nil)` frees included).
    kinds: [u64; 6],
    /// Ops before this index came from the prelude, not from the trace.
    first_op: usize,
    /// Last string id of comm, call site, cache, gfp (consecutive events often repeat them).
    recent: [u32; 4],
    /// The last task and its id (consecutive events often come from the same task).
    recent_task: Option<(Task, u32)>,
}

/// One traced event as the trace said it (strings borrowed from the interned tables); its
/// fields are those of [`RawEvent`] (through `Deref`), plus where it is in the trace. For page
/// events `bytes_req` and `bytes_alloc` are the block size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Fact<'a> {
    /// Index of the fact (0-based, in trace order).
    pub index: usize,
    /// 1-based line in the trace file.
    pub line: u32,
    /// What the line said.
    #[serde(flatten)]
    pub event: RawEvent<'a>,
}

impl<'a> std::ops::Deref for Fact<'a> {
    type Target = RawEvent<'a>;
    fn deref(&self) -> &RawEvent<'a> {
        &self.event
    }
}

impl Fact<'_> {
    /// Space of the pointer.
    pub fn space(&self) -> Space {
        if self.kind.is_page() {
            Space::Page
        } else {
            Space::Object
        }
    }
    /// Timestamp as perf prints it (`881.727436`).
    pub fn time(&self) -> String {
        format!("{}.{:06}", self.ts_ns / 1_000_000_000, self.ts_ns % 1_000_000_000 / 1000)
    }
}

impl fmt::Display for Fact<'_> {
    /// `line 12 881.727436 perf 10938 [001] kmem:kmalloc call_site=f+0x1 ptr=0x… bytes_req=32 …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} {} {} {} [{:03}] {}",
            self.line,
            self.time(),
            self.comm,
            self.pid,
            self.cpu,
            self.kind.name()
        )?;
        if let Some(c) = self.call_site {
            write!(f, " call_site={c}")?;
        }
        match self.kind {
            Kind::PageAlloc | Kind::PageFree => write!(f, " pfn={:#x} order={}", self.ptr, self.order)?,
            _ => write!(f, " ptr={:#x}", self.ptr)?,
        }
        if let Some(c) = self.cache {
            write!(f, " name={c}")?;
        }
        if matches!(self.kind, Kind::Kmalloc | Kind::CacheAlloc) {
            write!(f, " bytes_req={} bytes_alloc={}", self.bytes_req, self.bytes_alloc)?;
        }
        Ok(())
    }
}

impl TraceFacts {
    /// Number of retained events.
    pub fn len(&self) -> usize {
        self.ts.len()
    }
    /// True when no event is retained.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
    /// Events by tracepoint (`ptr=(nil)` frees included, which are not retained).
    pub fn count(&self, kind: Kind) -> u64 {
        self.kinds[kind as usize]
    }

    fn push(&mut self, ev: &RawEvent<'_>, line: u32) {
        let i = self.ts.len() as u32;
        if i == 0 || line != self.last_line.wrapping_add(1) {
            self.runs.push((i, line));
        }
        self.last_line = line;
        let comm = self.intern_recent(0, Some(ev.comm));
        let t = Task { comm, pid: ev.pid, cpu: ev.cpu };
        let task = match self.recent_task {
            Some((last, id)) if last == t => id,
            _ => {
                let id = self.tasks.intern(t);
                self.recent_task = Some((t, id));
                id
            }
        };
        let (req, alloc) = if ev.kind.is_page() {
            let b = (crate::machine::PAGE_SIZE << ev.order) as u32;
            (b, b)
        } else {
            (ev.bytes_req, ev.bytes_alloc)
        };
        let shape = Shape {
            kind: ev.kind,
            order: ev.order,
            node: ev.node as i16,
            site: self.intern_recent(1, ev.call_site),
            cache: self.intern_recent(2, ev.cache),
            gfp: self.intern_recent(3, ev.gfp),
            bytes_req: req,
            bytes_alloc: alloc,
        };
        let shape = self.shapes.intern(shape);
        let space = if ev.kind.is_page() { Space::Page } else { Space::Object };
        let slot = self.slots.intern(SlotKey { space, ptr: ev.ptr });
        let hi = (ev.ts_ns >> 32) as u32;
        if self.ts_hi.last().is_none_or(|h| h.1 != hi) {
            self.ts_hi.push((i, hi));
        }
        self.ts.push(ev.ts_ns as u32);
        self.task.push(task);
        self.shape.push(shape);
        self.slot.push(slot);
    }

    fn intern_recent(&mut self, field: usize, s: Option<&str>) -> u32 {
        let Some(s) = s else { return NONE };
        let id = self.recent[field];
        if self.strings.get(id) == Some(s) {
            return id;
        }
        let id = self.strings.intern(s);
        self.recent[field] = id;
        id
    }

    /// Timestamp of fact `i` in nanoseconds.
    fn ts_ns(&self, i: usize) -> u64 {
        let r = self.ts_hi.partition_point(|h| h.0 as usize <= i);
        let hi = if r == 0 { 0 } else { self.ts_hi[r - 1].1 };
        (u64::from(hi) << 32) | u64::from(self.ts[i])
    }

    /// Line of fact `i`.
    pub fn line(&self, i: usize) -> u32 {
        let r = self.runs.partition_point(|r| r.0 as usize <= i);
        if r == 0 {
            return 0;
        }
        let (at, line) = self.runs[r - 1];
        line + (i as u32 - at)
    }

    /// The fact on trace line `line`, if that line was a retained event.
    pub fn at_line(&self, line: u32) -> Option<usize> {
        let r = self.runs.partition_point(|r| r.1 <= line);
        if r == 0 {
            return None;
        }
        let (at, first) = self.runs[r - 1];
        let i = at as usize + (line - first) as usize;
        let end = self.runs.get(r).map_or(self.len(), |n| n.0 as usize);
        (i < end).then_some(i)
    }

    fn shape_of(&self, i: usize) -> Shape {
        self.shapes.list[self.shape[i] as usize]
    }

    fn kind_of(&self, i: usize) -> Kind {
        self.shape_of(i).kind
    }

    /// Fact `i`.
    pub fn get(&self, i: usize) -> Option<Fact<'_>> {
        if i >= self.len() {
            return None;
        }
        let task = self.tasks.list[self.task[i] as usize];
        let shape = self.shape_of(i);
        let slot = self.slots.list[self.slot[i] as usize];
        Some(Fact {
            index: i,
            line: self.line(i),
            event: RawEvent {
                kind: shape.kind,
                ts_ns: self.ts_ns(i),
                comm: self.strings.get(task.comm).unwrap_or(""),
                pid: task.pid,
                cpu: task.cpu,
                call_site: self.strings.get(shape.site),
                ptr: slot.ptr,
                cache: self.strings.get(shape.cache),
                bytes_req: shape.bytes_req,
                bytes_alloc: shape.bytes_alloc,
                gfp: self.strings.get(shape.gfp),
                node: i32::from(shape.node),
                order: shape.order,
            },
        })
    }

    /// The traced address an op-language name of this trace stands for (`o<ptr>`, `p<pfn>`): how
    /// a selected simulated object or block leads back to the trace.
    pub fn address_of_name(&self, name: Sym) -> Option<(Space, u64)> {
        let k = self.slots.list[*self.name_slot.get(&name)? as usize];
        Some((k.space, k.ptr))
    }

    /// Approximate heap bytes retained (capacities, including interning tables).
    pub fn approx_bytes(&self) -> usize {
        self.ts.capacity() * 4
            + self.ts_hi.capacity() * 8
            + (self.task.capacity() + self.shape.capacity() + self.slot.capacity()) * 4
            + self.runs.capacity() * 8
            + self.strings.bytes()
            + self.tasks.bytes()
            + self.shapes.bytes()
            + self.slots.bytes()
            + self.slot_names.capacity() * 4
            + self.name_slot.capacity() * 9
    }

    fn shrink_to_fit(&mut self) {
        self.ts.shrink_to_fit();
        self.ts_hi.shrink_to_fit();
        self.task.shrink_to_fit();
        self.shape.shrink_to_fit();
        self.slot.shrink_to_fit();
        self.runs.shrink_to_fit();
    }

    /// Label of the cache an allocation used: its `name=`, or the kmalloc cache its
    /// `bytes_alloc` belongs to, or `kmalloc-large` / `pages`.
    fn alloc_cache_label(&self, s: Shape) -> Cow<'_, str> {
        if let Some(c) = self.strings.get(s.cache) {
            return Cow::Borrowed(c);
        }
        match s.kind {
            Kind::PageAlloc | Kind::PageFree => Cow::Borrowed("pages"),
            _ if s.bytes_alloc == 0 => Cow::Borrowed("?"),
            _ if s.bytes_alloc <= crate::slab_layout::KMALLOC_MAX_CACHE_SIZE => {
                Cow::Borrowed(crate::slab_layout::kmalloc_name(s.bytes_alloc))
            }
            _ => Cow::Borrowed("kmalloc-large"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Events by tracepoint.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Frees of objects or pages the trace never saw allocated (not replayed: the session does
    /// not know the address).
    pub unmatched_frees: u64,
    /// Lines of the first [`Limits::max_reported_lines`] unmatched frees.
    pub unmatched_lines: Vec<u32>,
    /// `ptr=(nil)` frees.
    pub nil_frees: u64,
    /// Allocations of a pointer that was still live in the trace (a missed free).
    pub reused_live: u64,
    /// Operations the simulated machine refused (out of memory), with the trace line.
    pub failed: Vec<(u32, String)>,
    /// Malformed lines (the first [`Limits::max_reported_lines`]).
    pub bad_lines: Vec<BadLine>,
    /// All malformed lines (also those past the stored ones).
    pub bad_total: u64,
    /// Traced CPUs seen.
    pub traced_cpus: u16,
    /// Σ bytes_req and Σ bytes_alloc of kmalloc and kmem_cache_alloc.
    pub bytes_req: u64,
    /// See `bytes_req`.
    pub bytes_alloc: u64,
    /// Caches created from the trace.
    pub caches_created: u64,
    /// Lines read.
    pub lines: u32,
    /// Bytes read (decompressed).
    pub bytes: u64,
}

impl Report {
    /// Internal fragmentation: the fraction of allocated bytes nobody asked for.
    pub fn internal_fragmentation(&self) -> f64 {
        frag(self.bytes_req, self.bytes_alloc)
    }
    fn bad(&mut self, limits: &Limits, line: u32, reason: Reason) {
        self.bad_total += 1;
        if self.bad_lines.len() < limits.max_reported_lines {
            self.bad_lines.push(BadLine { line, reason });
        }
    }
}

fn frag(req: u64, alloc: u64) -> f64 {
    if alloc == 0 {
        0.0
    } else {
        1.0 - req as f64 / alloc as f64
    }
}

/// Named resource limits of a trace load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Retained events (memory budget ÷ [`RETAINED_BYTES_PER_EVENT`]).
    pub max_events: usize,
    /// Longest line in bytes; longer lines are malformed (and not buffered).
    pub max_line_bytes: usize,
    /// Malformed and unmatched-free line numbers stored in the report (all are counted).
    pub max_reported_lines: usize,
    /// Ops between renewals of the session's state near its end ([`TRACE_TAIL_OPS`] by default;
    /// `Session::set_tail_ops`): fewer renewals replay faster, but the End checkpoint made after a
    /// load replays up to this many ops in one go (the page keeps that under a frame budget).
    pub tail_ops: usize,
}

impl Limits {
    /// Limits for a memory budget in bytes.
    pub fn for_memory(budget: u64) -> Limits {
        Limits {
            max_events: usize::try_from(budget / RETAINED_BYTES_PER_EVENT).unwrap_or(usize::MAX),
            ..Limits::default()
        }
    }
    /// The memory budget these limits stand for.
    pub fn memory(&self) -> u64 {
        self.max_events as u64 * RETAINED_BYTES_PER_EVENT
    }
}

impl Default for Limits {
    /// 1 GiB of retained session (16 M events), 64 KiB lines, 10,000 reported lines.
    fn default() -> Limits {
        Limits {
            max_events: (1usize << 30) / RETAINED_BYTES_PER_EVENT as usize,
            max_line_bytes: 65536,
            max_reported_lines: 10_000,
            tail_ops: TRACE_TAIL_OPS,
        }
    }
}

/// Why a trace load stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceError {
    /// More events than the memory budget holds.
    OverBudget {
        /// Events the budget holds.
        max_events: usize,
        /// Bytes per event the budget is planned with.
        bytes_per_event: u64,
        /// The budget in bytes.
        budget: u64,
        /// Line of the first event over the budget.
        line: u32,
    },
    /// The machine could not be set up (bad configuration or `/proc/buddyinfo`).
    Config(String),
    /// More than `u32::MAX` lines.
    TooManyLines,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::OverBudget { max_events, bytes_per_event, budget, line } => write!(
                f,
                "line {line}: the trace has more than {max_events} events; at {bytes_per_event} bytes per event \
                 that is over the memory budget of {} MiB (raise it with --max-memory)",
                budget >> 20
            ),
            TraceError::Config(e) => write!(f, "{e}"),
            TraceError::TooManyLines => write!(f, "more than {} lines", u32::MAX),
        }
    }
}

impl std::error::Error for TraceError {}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

/// Replay parsed events into a new session on `config`. `progress(done, total)` is called now
/// and then. Never fails: problems are counted in the report.
pub fn replay(
    events: &[TraceEvent],
    bad_lines: Vec<BadLine>,
    config: MachineConfig,
    progress: impl FnMut(usize, usize),
) -> Result<(Session, Report), crate::machine::ConfigError> {
    replay_after("", events, bad_lines, config, progress)
}

/// Like [`replay`], after running `prelude` (op-language lines, e.g. from
/// [`slabinfo_to_script`]) so that traced caches of those names already exist.
pub fn replay_after(
    prelude: &str,
    events: &[TraceEvent],
    bad_lines: Vec<BadLine>,
    config: MachineConfig,
    progress: impl FnMut(usize, usize),
) -> Result<(Session, Report), crate::machine::ConfigError> {
    let session = Session::with_names(config, Names::default())?;
    Ok(replay_into(session, prelude, events, bad_lines, progress))
}

/// Replays trace events one by one into a session (so a UI can show progress between chunks),
/// keeping the trace's facts.
pub struct Replayer {
    session: Session,
    facts: TraceFacts,
    report: Report,
    limits: Limits,
    /// Per slot: live in the simulation.
    live: Vec<bool>,
    caches: FxMap<u32, Sym>,
    /// Per slot: generations named so far after missed frees.
    generations: FxMap<u32, u32>,
    /// Facts replayed so far.
    replayed: usize,
    cpus: u16,
    nodes: u8,
}

impl Replayer {
    /// Start on `session`, after running `prelude` (e.g. [`slabinfo_to_script`] output).
    pub fn new(session: Session, prelude: &str, bad_lines: Vec<BadLine>) -> Replayer {
        let report = Report { bad_total: bad_lines.len() as u64, bad_lines, ..Default::default() };
        Self::with_facts(session, prelude, TraceFacts::default(), report, Limits::default())
    }

    fn with_facts(
        mut session: Session,
        prelude: &str,
        mut facts: TraceFacts,
        report: Report,
        limits: Limits,
    ) -> Replayer {
        let prog = crate::script::parse(prelude, session.names_mut()).unwrap_or_default();
        let mut caches = FxMap::default();
        for (op, &line) in prog.ops.iter().zip(&prog.lines) {
            if let (Op::CacheCreate { name, .. }, Ok(_)) = (op, session.push(*op, line)) {
                caches.insert(facts.strings.intern(session.names().name(*name)), *name);
            }
        }
        facts.first_op = session.op_count();
        session.set_checkpoint_budget(TRACE_CHECKPOINT_BYTES_PER_OP);
        session.set_interned_ops(true);
        session.set_tail_ops(limits.tail_ops);
        let (cpus, nodes) = (session.config().cpus, session.config().nodes);
        Replayer {
            session,
            facts,
            report,
            limits,
            live: Vec::new(),
            caches,
            generations: FxMap::default(),
            replayed: 0,
            cpus,
            nodes,
        }
    }

    /// Replay one event (its line is `ev.line`). Events over [`Limits::max_events`] are not
    /// kept; see [`Loader`] for a load that stops there.
    pub fn feed(&mut self, ev: &TraceEvent) {
        if self.facts.len() >= self.limits.max_events {
            return;
        }
        if ingest(&mut self.facts, &mut self.report, &ev.as_raw(), ev.line) {
            self.catch_up();
        }
    }

    fn catch_up(&mut self) {
        while self.replayed < self.facts.len() {
            // Streaming replays the fact just pushed: its line is the last line, no search.
            let i = self.replayed;
            let line = if i + 1 == self.facts.len() { self.facts.last_line } else { self.facts.line(i) };
            self.replay_fact(i, line);
            self.replayed += 1;
        }
    }

    fn slot_name(&mut self, slot: u32) -> Sym {
        let s = slot as usize;
        if s < self.facts.slot_names.len() {
            return self.facts.slot_names[s];
        }
        while self.facts.slot_names.len() <= s {
            let k = self.facts.slots.list[self.facts.slot_names.len()];
            let prefix = if k.space == Space::Page { 'p' } else { 'o' };
            let name = self.session.names_mut().intern(&format!("{prefix}{:x}", k.ptr));
            self.facts.name_slot.insert(name, self.facts.slot_names.len() as u32);
            self.facts.slot_names.push(name);
        }
        self.facts.slot_names[s]
    }

    /// A fresh name for a slot whose previous object the trace never freed (a missed free): the
    /// simulation keeps that object under its old name.
    fn next_generation(&mut self, slot: u32) -> Sym {
        let old = self.slot_name(slot);
        let base = self.session.names().name(old).split('.').next().unwrap_or("o").to_string();
        let g = self.generations.entry(slot).or_insert(1);
        let name = loop {
            *g += 1;
            let candidate = format!("{base}.{g}");
            if self.session.names().get(&candidate).is_none() {
                break self.session.names_mut().intern(&candidate);
            }
        };
        self.facts.name_slot.insert(name, slot);
        self.facts.slot_names[slot as usize] = name;
        name
    }

    fn replay_fact(&mut self, i: usize, line: u32) {
        let shape = self.facts.shape_of(i);
        let task = self.facts.tasks.list[self.facts.task[i] as usize];
        let slot = self.facts.slot[i];
        if self.live.len() < self.facts.slots.list.len() {
            self.live.resize(self.facts.slots.list.len(), false);
        }
        let cpu = Some(task.cpu % self.cpus);
        let node = u8::try_from(shape.node).ok().filter(|&n| n < self.nodes);
        let was_live = std::mem::replace(&mut self.live[slot as usize], false);
        let op = match shape.kind {
            Kind::Kmalloc | Kind::CacheAlloc | Kind::PageAlloc => {
                self.report.reused_live += u64::from(was_live);
                let name = if was_live { self.next_generation(slot) } else { self.slot_name(slot) };
                let target = Target::Name { name };
                match shape.kind {
                    Kind::Kmalloc => Op::Kmalloc { size: shape.bytes_req.max(1), cpu, node, target },
                    Kind::CacheAlloc => {
                        let cache = self.cache_for(shape, line);
                        Op::CacheAlloc { cache, cpu, node, target }
                    }
                    _ => Op::PagesAlloc { order: shape.order, node, cpu, target },
                }
            }
            kind => {
                if !was_live {
                    self.report.unmatched_frees += 1;
                    if self.report.unmatched_lines.len() < self.limits.max_reported_lines {
                        self.report.unmatched_lines.push(line);
                    }
                    return;
                }
                let what = Ref::Name { name: self.slot_name(slot) };
                match kind {
                    Kind::Kfree => Op::Kfree { what, cpu },
                    Kind::CacheFree => Op::CacheFree { what, cpu },
                    _ => Op::PagesFree { what, cpu },
                }
            }
        };
        match self.session.push(op, line) {
            Ok(_) => self.live[slot as usize] = shape.kind.is_alloc(),
            Err(e) => self.report.failed.push((line, e.to_string())),
        }
    }

    fn cache_for(&mut self, shape: Shape, line: u32) -> Sym {
        if let Some(&c) = self.caches.get(&shape.cache) {
            return c;
        }
        let label = self.facts.strings.get(shape.cache).unwrap_or("?").to_string();
        let c = self.session.names_mut().intern(&label);
        let create = Op::CacheCreate { name: c, size: shape.bytes_req.max(1), align: 0, flags: CacheFlags::default() };
        match self.session.push(create, line) {
            Ok(_) => self.report.caches_created += 1,
            Err(e) => self.report.failed.push((line, e.to_string())),
        }
        self.caches.insert(shape.cache, c);
        c
    }

    /// Facts replayed so far.
    pub fn replayed(&self) -> usize {
        self.replayed
    }

    /// The session so far.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session and report.
    pub fn finish(self) -> (Session, Report) {
        let t = self.finish_trace();
        (t.session, t.report)
    }

    /// The session with the trace's facts and the report.
    pub fn finish_trace(mut self) -> TraceSession {
        self.catch_up();
        for k in Kind::ALL {
            self.report.by_kind.insert(k.name(), self.facts.kinds[k as usize]);
        }
        self.report.by_kind.retain(|_, n| *n > 0);
        self.facts.shrink_to_fit();
        self.session.shrink_to_fit();
        TraceSession { session: self.session, facts: self.facts, report: self.report }
    }
}

/// Count an event and keep its facts. False for events that are only counted (`ptr=(nil)` frees).
fn ingest(facts: &mut TraceFacts, report: &mut Report, ev: &RawEvent<'_>, line: u32) -> bool {
    facts.kinds[ev.kind as usize] += 1;
    report.traced_cpus = report.traced_cpus.max(ev.cpu + 1);
    if matches!(ev.kind, Kind::Kmalloc | Kind::CacheAlloc) {
        report.bytes_req += u64::from(ev.bytes_req);
        report.bytes_alloc += u64::from(ev.bytes_alloc);
    }
    if ev.ptr == 0 && !ev.kind.is_page() {
        report.nil_frees += 1;
        return false;
    }
    facts.push(ev, line);
    true
}

/// Replay into an existing session (e.g. one booted from a `/proc/buddyinfo` picture).
pub fn replay_into(
    session: Session,
    prelude: &str,
    events: &[TraceEvent],
    bad_lines: Vec<BadLine>,
    mut progress: impl FnMut(usize, usize),
) -> (Session, Report) {
    let mut r = Replayer::new(session, prelude, bad_lines);
    let step = (events.len() / 100).max(1);
    for (i, ev) in events.iter().enumerate() {
        if i % step == 0 {
            progress(i, events.len());
        }
        r.feed(ev);
    }
    progress(events.len(), events.len());
    r.finish()
}

// ---------------------------------------------------------------------------------------------
// Streaming loader
// ---------------------------------------------------------------------------------------------

/// Where a [`Loader`] replays into.
#[derive(Clone, Debug)]
pub enum Boot {
    /// A fresh machine; with `auto_cpus` its CPU count is the highest traced CPU + 1 among the
    /// first [`CPU_PROBE_EVENTS`] events (at least the node count; later CPUs fold onto it).
    Config {
        /// The machine.
        config: MachineConfig,
        /// Size the CPUs from the trace.
        auto_cpus: bool,
    },
    /// A machine booted into a `/proc/buddyinfo` picture (text), sized like [`Boot::Config`].
    Buddyinfo {
        /// `/proc/buddyinfo` text.
        text: String,
        /// The machine (memory is sized to the picture).
        config: MachineConfig,
        /// Size the CPUs from the trace.
        auto_cpus: bool,
    },
    /// An existing session.
    Session(Box<Session>),
}

/// How far a [`Loader`] got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Bytes fed.
    pub bytes: u64,
    /// Complete lines read.
    pub lines: u32,
    /// Events retained.
    pub events: usize,
    /// Events replayed into the session.
    pub replayed: usize,
}

enum Stage {
    Probing { boot: Box<Boot>, prelude: String, facts: Box<TraceFacts>, report: Box<Report> },
    Replaying(Box<Replayer>),
    Done,
}

/// Incremental trace loading: feed chunks of bytes (any split), get progress, finish with a
/// [`TraceSession`]. Memory: the partial last line (at most [`Limits::max_line_bytes`]) plus what
/// the result retains. Invalid UTF-8 on a line makes that line malformed, not the file.
pub struct Loader {
    stage: Stage,
    limits: Limits,
    partial: Vec<u8>,
    overlong: bool,
    line: u32,
    bytes: u64,
    error: Option<TraceError>,
}

impl Loader {
    /// A loader replaying into `boot` after `prelude` (op-language lines, e.g. from
    /// [`slabinfo_to_script`]), within `limits`.
    pub fn new(boot: Boot, prelude: &str, limits: Limits) -> Result<Loader, TraceError> {
        let mut l =
            Loader { stage: Stage::Done, limits, partial: Vec::new(), overlong: false, line: 0, bytes: 0, error: None };
        l.stage = match boot {
            Boot::Session(s) => Stage::Replaying(Box::new(Replayer::with_facts(
                *s,
                prelude,
                TraceFacts::default(),
                Report::default(),
                limits,
            ))),
            boot @ (Boot::Config { auto_cpus: false, .. } | Boot::Buddyinfo { auto_cpus: false, .. }) => {
                let s = make_session(boot, None)?;
                Stage::Replaying(Box::new(Replayer::with_facts(
                    s,
                    prelude,
                    TraceFacts::default(),
                    Report::default(),
                    limits,
                )))
            }
            boot => Stage::Probing {
                boot: Box::new(boot),
                prelude: prelude.to_string(),
                facts: Box::default(),
                report: Box::default(),
            },
        };
        Ok(l)
    }

    /// Feed the next chunk. After an error every later call returns it again.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Progress, TraceError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        self.bytes += chunk.len() as u64;
        let mut start = 0;
        // One `memchr` iterator over the chunk (not one call per line).
        for nl in memchr::memchr_iter(b'\n', chunk) {
            let head = &chunk[start..nl];
            start = nl + 1;
            // A line longer than the limit is malformed whether it came in one chunk or many
            // (found by the trace fuzz target: the one-chunk path skipped the length check).
            if self.partial.is_empty() && !self.overlong && head.len() <= self.limits.max_line_bytes {
                self.complete_line(head)?;
            } else {
                self.extend_partial(head);
                let mut buf = std::mem::take(&mut self.partial);
                let r = self.complete_line(&buf);
                buf.clear();
                self.partial = buf;
                r?;
            }
        }
        self.extend_partial(&chunk[start..]);
        Ok(self.progress())
    }

    fn extend_partial(&mut self, bytes: &[u8]) {
        if self.overlong || self.partial.len() + bytes.len() > self.limits.max_line_bytes {
            self.overlong = true;
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// How far the load got.
    pub fn progress(&self) -> Progress {
        let (events, replayed) = match &self.stage {
            Stage::Probing { facts, .. } => (facts.len(), 0),
            Stage::Replaying(r) => (r.facts.len(), r.replayed),
            Stage::Done => (0, 0),
        };
        Progress { bytes: self.bytes, lines: self.line, events, replayed }
    }

    fn complete_line(&mut self, bytes: &[u8]) -> Result<(), TraceError> {
        let r = self.line_inner(bytes);
        if let Err(e) = &r {
            self.error = Some(e.clone());
        }
        r
    }

    fn line_inner(&mut self, bytes: &[u8]) -> Result<(), TraceError> {
        self.line = self.line.checked_add(1).ok_or(TraceError::TooManyLines)?;
        let overlong = std::mem::take(&mut self.overlong);
        self.accept(self.line, read_line(bytes, overlong, self.limits.max_line_bytes))
    }

    /// What line `line` said, read by [`read_line`] (here, or in a web worker: `wire`).
    fn accept(&mut self, line: u32, read: Result<Option<RawEvent<'_>>, MalformedReason>) -> Result<(), TraceError> {
        let limits = self.limits;
        let (facts, report) = match &mut self.stage {
            Stage::Probing { facts, report, .. } => (&mut **facts, &mut **report),
            Stage::Replaying(r) => (&mut r.facts, &mut r.report),
            Stage::Done => return Ok(()),
        };
        report.lines = line;
        let ev = match read {
            Ok(Some(ev)) => ev,
            Ok(None) => return Ok(()),
            Err(reason) => {
                report.bad(&limits, line, reason);
                return Ok(());
            }
        };
        let retained = ev.ptr != 0 || ev.kind.is_page();
        if retained && facts.len() >= limits.max_events {
            return Err(TraceError::OverBudget {
                max_events: limits.max_events,
                bytes_per_event: RETAINED_BYTES_PER_EVENT,
                budget: limits.memory(),
                line,
            });
        }
        if !ingest(facts, report, &ev, line) {
            return Ok(());
        }
        match &mut self.stage {
            Stage::Replaying(r) => r.catch_up(),
            Stage::Probing { facts, .. } if facts.len() >= CPU_PROBE_EVENTS => self.start_replay()?,
            _ => {}
        }
        Ok(())
    }

    fn start_replay(&mut self) -> Result<(), TraceError> {
        if !matches!(self.stage, Stage::Probing { .. }) {
            return Ok(());
        }
        let Stage::Probing { boot, prelude, facts, report } = std::mem::replace(&mut self.stage, Stage::Done) else {
            return Ok(());
        };
        let cpus = facts.tasks.list.iter().map(|t| t.cpu + 1).max().unwrap_or(1);
        let session = make_session(*boot, Some(cpus))?;
        let mut r = Replayer::with_facts(session, &prelude, *facts, *report, self.limits);
        r.catch_up();
        self.stage = Stage::Replaying(Box::new(r));
        Ok(())
    }

    /// The last line (without a final newline) and the result.
    pub fn finish(mut self) -> Result<TraceSession, TraceError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if !self.partial.is_empty() || self.overlong {
            let buf = std::mem::take(&mut self.partial);
            self.complete_line(&buf)?;
        }
        self.start_replay()?;
        let bytes = self.bytes;
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Replaying(r) => {
                let mut t = r.finish_trace();
                t.report.bytes = bytes;
                Ok(t)
            }
            _ => Err(TraceError::Config("the loader was already finished".into())),
        }
    }
}

/// One complete line of a trace (without its `\n`): an event, nothing (not a kmem event), or
/// why it is malformed; `overlong`: it was over `max_line_bytes` (its bytes are gone).
fn read_line(bytes: &[u8], overlong: bool, max_line_bytes: usize) -> Result<Option<RawEvent<'_>>, MalformedReason> {
    if overlong {
        return Err(MalformedReason::LineTooLong { max: max_line_bytes });
    }
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| MalformedReason::InvalidUtf8 { byte: e.valid_up_to() + 1 })?;
    parse_raw(text)
}

fn make_session(boot: Boot, traced_cpus: Option<u16>) -> Result<Session, TraceError> {
    let size = |mut c: MachineConfig| {
        if let Some(n) = traced_cpus {
            c.cpus = n.clamp(u16::from(c.nodes), crate::machine::MAX_CPUS);
        }
        c
    };
    match boot {
        Boot::Session(s) => Ok(*s),
        Boot::Config { config, .. } => {
            Session::with_names(size(config), Names::default()).map_err(|e| TraceError::Config(e.to_string()))
        }
        Boot::Buddyinfo { text, config, .. } => {
            session_from_buddyinfo(&text, &size(config)).map_err(|e| TraceError::Config(format!("buddyinfo: {e}")))
        }
    }
}

/// Summaries and filter selections a slice at a time (s6-tracew).
pub mod summary;
/// A compact binary form of parsed trace lines, for a web worker to parse and the page to replay.
pub mod wire;

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// A replayed trace: the session, what the trace said, and the report.
#[derive(Clone, Debug)]
pub struct TraceSession {
    /// The simulated timeline.
    pub session: Session,
    /// The trace's own facts.
    pub facts: TraceFacts,
    /// What the replay did.
    pub report: Report,
}

/// One allocation or free of an address, in a [`TraceSession::lineage`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineageEntry<'a> {
    /// What the trace said.
    pub fact: Fact<'a>,
    /// The op it became (`None`: not replayed — a free of an address allocated before the trace
    /// began, or an allocation the simulated machine refused).
    pub op: Option<usize>,
    /// For an allocation: the fact index of the next allocation of the same address (who reused
    /// the slot), if any.
    pub reused_by: Option<usize>,
}

/// Group key of a summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// `call_site=`.
    CallSite,
    /// Task name.
    Comm,
    /// Cache (`name=`, or the kmalloc cache of `bytes_alloc`, or `pages`).
    Cache,
}

impl GroupBy {
    /// `call_site`, `comm`, `cache`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "call_site" | "callsite" | "site" => Some(GroupBy::CallSite),
            "comm" | "task" => Some(GroupBy::Comm),
            "cache" => Some(GroupBy::Cache),
            _ => None,
        }
    }
}

/// One row of a summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SummaryRow {
    /// The call site, comm or cache (`(none)` for events without a call site).
    pub key: String,
    /// Allocations (kmalloc, kmem_cache_alloc, mm_page_alloc).
    pub allocs: u64,
    /// Frees (kfree, kmem_cache_free, mm_page_free; `ptr=(nil)` frees not included).
    pub frees: u64,
    /// Σ bytes_req of the allocations (pages: the block size).
    pub bytes_req: u64,
    /// Σ bytes_alloc of the allocations.
    pub bytes_alloc: u64,
    /// Caches the allocations used, sorted.
    pub caches: Vec<String>,
}

impl SummaryRow {
    /// Internal fragmentation of this row.
    pub fn internal_fragmentation(&self) -> f64 {
        frag(self.bytes_req, self.bytes_alloc)
    }
}

/// Narrows events: every given field must match. Frees match the cache of the allocation they
/// free (`kfree` lines name no cache).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Cache label (as in [`GroupBy::Cache`]).
    pub cache: Option<String>,
    /// Traced CPU.
    pub cpu: Option<u16>,
    /// `call_site=` exactly (function+offset), or a function name (matches every offset).
    pub call_site: Option<String>,
    /// Task name.
    pub comm: Option<String>,
}

/// The slab policy's fast-path allocations (SLUB: the lockless cpu freelist) on one simulated CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FastPath {
    /// Simulated CPU.
    pub cpu: u16,
    /// Allocations served by the per-CPU fast path.
    pub fast: u64,
    /// Allocations that took the slow path.
    pub slow: u64,
}

impl FastPath {
    /// Fast share of all allocations (0 when none).
    pub fn rate(&self) -> f64 {
        if self.fast + self.slow == 0 {
            0.0
        } else {
            self.fast as f64 / (self.fast + self.slow) as f64
        }
    }
}

/// Fast-path counts of every CPU that allocated, as the slab policy counts them
/// ([`crate::slab::SlabAllocator::fast_path_counts`]: SLUB's lockless freelist statistics under
/// the default policy).
pub fn fast_path_by_cpu(sim: &Sim) -> Vec<FastPath> {
    (0..sim.config().cpus)
        .map(|cpu| {
            let (fast, slow) = sim.slab.fast_path_counts(cpu);
            FastPath { cpu, fast, slow }
        })
        .filter(|f| f.fast + f.slow > 0)
        .collect()
}

impl TraceSession {
    /// The fact an op was made from (`None` for prelude ops).
    pub fn fact_of_op(&self, k: usize) -> Option<Fact<'_>> {
        self.event_of_op(k).and_then(|i| self.facts.get(i))
    }

    /// Fact index of op `k`.
    pub fn event_of_op(&self, k: usize) -> Option<usize> {
        if k < self.facts.first_op || k >= self.session.op_count() {
            return None;
        }
        self.facts.at_line(self.session.op_line(k))
    }

    /// The op fact `i` became (`None` when it was not replayed).
    pub fn op_of_event(&self, i: usize) -> Option<usize> {
        if i >= self.facts.len() {
            return None;
        }
        let line = self.facts.line(i);
        // Last op whose line is at most `line` (trace ops are in line order).
        let (mut lo, mut hi) = (self.facts.first_op, self.session.op_count());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.session.op_line(mid) <= line {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let k = lo.checked_sub(1).filter(|&k| k >= self.facts.first_op)?;
        let made = self.session.op_line(k) == line && !matches!(self.session.op(k), Some(Op::CacheCreate { .. }));
        made.then_some(k)
    }

    /// Every allocation and free of `ptr` in `space`, in trace order, with the op each became
    /// and who reused the slot. Empty when the trace never names the address.
    pub fn lineage(&self, space: Space, ptr: u64) -> Vec<LineageEntry<'_>> {
        let Some(&slot) = self.facts.slots.index.get(&SlotKey { space, ptr }) else { return Vec::new() };
        let mut out: Vec<LineageEntry<'_>> = self
            .facts
            .slot
            .iter()
            .enumerate()
            .filter(|&(_, &s)| s == slot)
            .filter_map(|(i, _)| {
                Some(LineageEntry { fact: self.facts.get(i)?, op: self.op_of_event(i), reused_by: None })
            })
            .collect();
        let mut next_alloc = None;
        for e in out.iter_mut().rev() {
            if e.fact.kind.is_alloc() {
                e.reused_by = next_alloc;
                next_alloc = Some(e.fact.index);
            }
        }
        out
    }

    /// The lineage of whatever an op-language name of this trace stands for.
    pub fn lineage_of_name(&self, name: Sym) -> Vec<LineageEntry<'_>> {
        self.facts.address_of_name(name).map(|(space, ptr)| self.lineage(space, ptr)).unwrap_or_default()
    }

    /// For each fact, the fact index of the allocation a free frees (for frees of a known
    /// address), else `NONE`: one pass.
    fn alloc_of_free(&self) -> Vec<u32> {
        let mut last = vec![NONE; self.facts.slots.list.len()];
        let mut out = vec![NONE; self.facts.len()];
        for (i, o) in out.iter_mut().enumerate() {
            let s = self.facts.slot[i] as usize;
            if self.facts.kind_of(i).is_alloc() {
                last[s] = i as u32;
            } else {
                *o = std::mem::replace(&mut last[s], NONE);
            }
        }
        out
    }

    /// Fact indices that match `filter`.
    pub fn select_events(&self, filter: &Filter) -> Vec<usize> {
        let f = &self.facts;
        let comm = filter.comm.as_deref().map(|c| f.strings.index.get(c).copied().unwrap_or(NONE));
        let site_match = |s: u32| -> bool {
            let Some(want) = filter.call_site.as_deref() else { return true };
            match f.strings.get(s) {
                Some(have) => have == want || have.split('+').next() == Some(want),
                None => false,
            }
        };
        let owner = if filter.cache.is_some() { self.alloc_of_free() } else { Vec::new() };
        (0..f.len())
            .filter(|&i| {
                let task = f.tasks.list[f.task[i] as usize];
                let shape = f.shape_of(i);
                filter.cpu.is_none_or(|c| c == task.cpu)
                    && comm.is_none_or(|c| c == task.comm)
                    && site_match(shape.site)
                    && filter.cache.as_deref().is_none_or(|want| {
                        let s = if shape.kind.is_alloc() || shape.cache != NONE || owner[i] == NONE {
                            shape
                        } else {
                            f.shape_of(owner[i] as usize)
                        };
                        f.alloc_cache_label(s) == want
                    })
            })
            .collect()
    }

    /// Op indices of the events that match `filter` (events that became no op are left out).
    pub fn select_ops(&self, filter: &Filter) -> Vec<usize> {
        self.select_events(filter).into_iter().filter_map(|i| self.op_of_event(i)).collect()
    }

    /// One row per call site, comm or cache over the events `filter` selects, most allocations
    /// first (then by key): [`TraceSession::summaries`]' rows for `by` (one builder makes every
    /// summary, sliced in the page and in one go here).
    pub fn summary(&self, by: GroupBy, filter: &Filter) -> Vec<SummaryRow> {
        self.summaries(filter, false).take_rows(by)
    }

    /// The slab policy's fast-path rate per CPU at the end of the trace.
    pub fn fast_path(&self) -> Vec<FastPath> {
        fast_path_by_cpu(self.session.head())
    }

    /// Approximate heap bytes of the facts and of the session's op list (checkpoints are
    /// copy-on-write and not counted here; see BENCHMARKS.md for measured totals).
    pub fn approx_bytes(&self) -> usize {
        self.facts.approx_bytes() + self.session.approx_op_bytes()
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic traces
// ---------------------------------------------------------------------------------------------

/// A deterministic generator of `perf script` kmem lines for benchmarks at any size: a few
/// tasks on 4 CPUs allocate from ~30 call sites (kmalloc and named caches) with a bounded live
/// set whose freed addresses are reused LIFO (as a SLUB freelist would), plus page allocations,
/// `ptr=(nil)` frees and frees of objects from before the trace.
#[derive(Clone, Debug)]
pub struct Synthetic {
    rng: u64,
    ts_us: u64,
    live: Vec<(u64, u8)>,
    pages: Vec<u64>,
    free: Vec<Vec<u64>>,
    next: Vec<u64>,
    next_pfn: u64,
}

const SYN_SITES: [(&str, Option<&str>, u32, u32); 12] = [
    ("sched_setaffinity+0x10c", None, 32, 32),
    ("load_elf_phdrs+0x4d", None, 504, 512),
    ("alloc_empty_file+0x3c", Some("filp"), 184, 192),
    ("getname_flags.part.0+0x24", Some("names_cache"), 4096, 4096),
    ("__d_alloc+0x2b", Some("dentry"), 192, 192),
    ("seq_open+0x2e", None, 120, 128),
    ("kernfs_fop_open+0x1a2", None, 56, 64),
    ("vm_area_alloc+0x1f", Some("vm_area_struct"), 176, 176),
    ("security_file_alloc+0x2c", None, 16, 16),
    ("tty_buffer_alloc+0x47", None, 1000, 1024),
    ("anon_vma_fork+0x67", Some("anon_vma_chain"), 64, 64),
    ("__alloc_skb+0x9a", None, 640, 1024),
];
const SYN_COMMS: [(&str, u32); 5] =
    [("bash", 4711), ("kworker/1:2", 93), ("systemd", 1), ("Web Content", 3303), ("perf", 10938)];
const SYN_LIVE: usize = 3000;

impl Synthetic {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Synthetic {
        let next = (0..SYN_SITES.len() as u64).map(|i| 0xffff_8881_0000_0000 + (i << 28)).collect();
        Synthetic {
            rng: seed ^ 0x9e37_79b9_7f4a_7c15,
            ts_us: 881_000_000,
            live: Vec::new(),
            pages: Vec::new(),
            free: vec![Vec::new(); SYN_SITES.len()],
            next,
            next_pfn: 0x100000,
        }
    }

    fn rand(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Append the next line (with its newline) to `out`.
    pub fn next_line(&mut self, out: &mut String) {
        use std::fmt::Write;
        let r = self.rand();
        self.ts_us += 1 + r % 40;
        let (comm, pid) = SYN_COMMS[(r >> 8) as usize % SYN_COMMS.len()];
        let cpu = (r >> 16) % 4;
        let _ =
            write!(out, "{comm:>16} {pid:>6} [{cpu:03}] {:>6}.{:06}: ", self.ts_us / 1_000_000, self.ts_us % 1_000_000);
        let pick = (r >> 24) % 1000;
        let alloc = self.live.len() < SYN_LIVE / 2 || (self.live.len() < SYN_LIVE && pick < 500);
        if pick >= 985 {
            // Page events.
            if (self.pages.len() < 64 && pick.is_multiple_of(2)) || self.pages.is_empty() {
                let pfn = self.next_pfn;
                self.next_pfn += 4;
                self.pages.push(pfn);
                let _ = writeln!(
                    out,
                    "kmem:mm_page_alloc: page=0x{pfn:x} pfn=0x{pfn:x} order=2 migratetype=0 gfp_flags=GFP_KERNEL"
                );
            } else {
                let pfn = self.pages.swap_remove((r >> 40) as usize % self.pages.len());
                let _ = writeln!(out, "kmem:mm_page_free: page=0x{pfn:x} pfn=0x{pfn:x} order=2");
            }
        } else if pick >= 970 {
            let _ = writeln!(out, "kmem:kfree: call_site=kvfree_call_rcu+0x11 ptr=(nil)");
        } else if pick >= 965 {
            // An object allocated before the trace began.
            let _ =
                writeln!(out, "kmem:kfree: call_site=rcu_do_batch+0x1b0 ptr=0xffff8880{:08x}", (r >> 32) as u32 & !7);
        } else if alloc {
            let site = (r >> 40) as usize % SYN_SITES.len();
            let (name, cache, req, size) = SYN_SITES[site];
            let ptr = self.free[site].pop().unwrap_or_else(|| {
                let p = self.next[site];
                self.next[site] += u64::from(size);
                p
            });
            self.live.push((ptr, site as u8));
            match cache {
                Some(c) => writeln!(out, "kmem:kmem_cache_alloc: call_site={name} ptr=0x{ptr:x} name={c} bytes_req={req} bytes_alloc={size} gfp_flags=GFP_KERNEL node=-1 accounted=false"),
                None => writeln!(out, "kmem:kmalloc: call_site={name} ptr=0x{ptr:x} bytes_req={req} bytes_alloc={size} gfp_flags=GFP_KERNEL node=-1 accounted=false"),
            }
            .expect("writing to a String");
        } else {
            let (ptr, site) = self.live.swap_remove((r >> 40) as usize % self.live.len());
            self.free[usize::from(site)].push(ptr);
            let (name, cache, _, _) = SYN_SITES[usize::from(site)];
            let free_site = name.split('+').next().unwrap_or(name);
            match cache {
                Some(c) => writeln!(out, "kmem:kmem_cache_free: call_site={free_site}+0x99 ptr=0x{ptr:x} name={c}"),
                None => writeln!(out, "kmem:kfree: call_site={free_site}+0x99 ptr=0x{ptr:x}"),
            }
            .expect("writing to a String");
        }
    }
}

// The `/proc` snapshot importers live in `procfs` (located errors, checked counts).
pub use crate::procfs::{parse_buddyinfo, session_from_buddyinfo, slabinfo_to_script};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_tracepoint() {
        let l = "            perf 10938 [001]   881.727547: kmem:kmem_cache_alloc: call_site=getname_flags.part.0+0x24 ptr=0xffff88810086b000 name=names_cache bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 accounted=false";
        let e = parse_line(l, 4).unwrap().unwrap();
        assert_eq!((e.comm.as_str(), e.pid, e.cpu, e.ts_ns), ("perf", 10938, 1, 881_727_547_000));
        assert_eq!((e.kind, e.ptr, e.bytes_req, e.node), (Kind::CacheAlloc, 0xffff_8881_0086_b000, 4096, -1));
        assert_eq!(e.cache.as_deref(), Some("names_cache"));
        let l = "       perf-exec 10939 [001]   881.728847:     kmem:mm_page_free: page=0x177506 pfn=0x177506 order=0";
        let e = parse_line(l, 1).unwrap().unwrap();
        assert_eq!((e.kind, e.ptr, e.order, e.comm.as_str()), (Kind::PageFree, 0x177506, 0, "perf-exec"));
        let l = "  Web Content 42 [003] 1.5: kmem:kfree: call_site=x+0x1 ptr=(nil)";
        let e = parse_line(l, 1).unwrap().unwrap();
        assert_eq!((e.comm.as_str(), e.ptr, e.ts_ns), ("Web Content", 0, 1_500_000_000));
        assert_eq!(parse_line("perf 1 [000] 1.0: sched:sched_switch: prev=a", 1), Ok(None));
    }

    /// The word-at-a-time space search agrees with a plain scan at every offset, for spaces at
    /// every position of a word and bytes that differ from a space by one bit.
    #[test]
    fn next_space_matches_a_plain_scan() {
        let text: Vec<u8> =
            (0..300u32).map(|i| [b'a', b' ', 0x21, 0x1f, 0xa0, b'x', 0x00][(i * i % 13 % 7) as usize]).collect();
        for len in 0..text.len() {
            let b = &text[..len];
            for from in 0..=len {
                let naive = b[from..].iter().position(|&c| c == b' ').map_or(len, |i| from + i);
                assert_eq!(next_space(b, from), naive, "len {len} from {from}");
            }
        }
        let split: Vec<(usize, usize)> = Tokens::new(b"  a bb  ccc   d", 0).collect();
        assert_eq!(split, vec![(2, 3), (4, 6), (8, 11), (14, 15)]);
    }

    /// The unchecked number readers and the comm trim agree with the standard library on
    /// every boundary: 19/20 decimal digits, 16/17 significant hex digits after leading zeros,
    /// signs, bad digits, `u64::MAX` and one past it; and ASCII, vertical-tab and Unicode spaces.
    #[test]
    fn number_readers_and_comm_trim_match_std() {
        let decs = [
            "",
            "+",
            "0",
            "+7",
            "++7",
            "-1",
            "42",
            "1_0",
            "9999999999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "00000000000000000000001",
            "12a",
            " 1",
        ];
        for d in decs {
            assert_eq!(dec(d.as_bytes()), d.parse::<u64>().ok(), "dec {d:?}");
        }
        let hexes = [
            "",
            "+",
            "0",
            "+f",
            "++f",
            "ffffffffffffffff",
            "10000000000000000",
            "0000ffffffffffffffff",
            "000000000000000000001",
            "ffff88810086b000",
            "FFff",
            "fg",
            "-1",
            "x",
        ];
        for h in hexes {
            assert_eq!(hex(h.as_bytes()), u64::from_str_radix(h, 16).ok(), "hex {h:?}");
        }
        let comms = ["  perf ", "\tWeb Content\x0c", "\x0bsh\x0b", "\u{3000}x\u{a0}", "   ", "", "ä", " \u{85}k"];
        for c in comms {
            assert_eq!(trim_comm(c), c.trim(), "comm {c:?}");
        }
    }

    #[test]
    fn malformed_lines_are_located() {
        let (ev, bad) = parse("garbage\nperf 1 [x] 1.0: kmem:kfree: ptr=0x1\nperf 1 [000] 1.0: kmem:kmalloc: ptr=0x10\n\nperf 1 [000] 1.0: kmem:kfree: ptr=0x10\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(
            bad[2].reason,
            MalformedReason::MissingField { event: "kmem:kmalloc", field: Field::BytesReq },
            "{}",
            bad[2]
        );
        assert_eq!(bad[1].reason, MalformedReason::CpuNotANumber);
        assert_eq!(bad[0].reason, MalformedReason::NoCpu);
        // The CLI's text is the one it printed before the reasons were typed.
        assert_eq!(bad[2].to_string(), "line 3: kmem:kmalloc without `bytes_req=`");
    }

    #[test]
    fn slabinfo_import() {
        let text = "slabinfo - version: 2.1\n# name ...\ndentry  100 120 192 21 1 : tunables 0 0 0 : slabdata 5 5 0\nkmalloc-64 1 64 64 64 1 : x\nbad line\n";
        let (script, bad) = slabinfo_to_script(text);
        assert_eq!(script, "cache create dentry size=192\n");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 5);
    }
}

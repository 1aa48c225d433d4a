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

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::machine::MachineConfig;
use crate::names::Names;
use crate::op::{Op, Ref, Target};
use crate::session::Session;
use crate::sim::OpError;
use crate::slab_layout::CacheFlags;

/// Which tracepoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
}

/// One traced event.
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

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line.
    pub line: u32,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

fn num(v: &str) -> Option<u64> {
    if v == "(nil)" {
        return Some(0);
    }
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Parse one `perf script` line. `Ok(None)` for blank lines, comments and other tracepoints.
pub fn parse_line(text: &str, line: u32) -> Result<Option<TraceEvent>, BadLine> {
    let bad = |reason: &str| BadLine { line, reason: reason.to_string() };
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    // `comm pid [cpu] timestamp: event: fields` (comm may contain spaces).
    let open = t.find(" [").ok_or_else(|| bad("no `[cpu]` field"))?;
    let close = t[open..].find(']').map(|i| open + i).ok_or_else(|| bad("unterminated `[cpu]` field"))?;
    let cpu: u16 = t[open + 2..close].trim().parse().map_err(|_| bad("the CPU in `[cpu]` is not a number"))?;
    let head: Vec<&str> = t[..open].split_whitespace().collect();
    let (pid, comm) = match head.split_last() {
        Some((pid, comm)) => (pid.parse::<u32>().map_err(|_| bad("no pid before `[cpu]`"))?, comm.join(" ")),
        None => return Err(bad("no task name and pid")),
    };
    let mut rest = t[close + 1..].split_whitespace();
    let ts = rest.next().and_then(|s| s.strip_suffix(':')).ok_or_else(|| bad("no `timestamp:`"))?;
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: u64 = secs.parse().map_err(|_| bad("bad timestamp"))?;
    let frac = format!("{frac:0<9}");
    let ns: u64 = frac[..9].parse().map_err(|_| bad("bad timestamp"))?;
    let event = rest.next().and_then(|s| s.strip_suffix(':')).ok_or_else(|| bad("no `event:`"))?;
    let kind = match event {
        "kmem:kmalloc" | "kmem:kmalloc_node" => Kind::Kmalloc,
        "kmem:kfree" => Kind::Kfree,
        "kmem:kmem_cache_alloc" | "kmem:kmem_cache_alloc_node" => Kind::CacheAlloc,
        "kmem:kmem_cache_free" => Kind::CacheFree,
        "kmem:mm_page_alloc" => Kind::PageAlloc,
        "kmem:mm_page_free" => Kind::PageFree,
        _ => return Ok(None),
    };
    let fields: HashMap<&str, &str> = rest.filter_map(|kv| kv.split_once('=')).collect();
    let get = |k: &str| fields.get(k).copied();
    let need = |k: &str| get(k).ok_or_else(|| bad(&format!("{event} without `{k}=`")));
    let mut ev = TraceEvent {
        line,
        comm,
        pid,
        cpu,
        ts_ns: secs * 1_000_000_000 + ns,
        kind,
        call_site: get("call_site").map(String::from),
        ptr: 0,
        cache: get("name").map(String::from),
        bytes_req: 0,
        bytes_alloc: 0,
        gfp: get("gfp_flags").map(String::from),
        node: get("node").and_then(|n| n.parse().ok()).unwrap_or(-1),
        order: 0,
    };
    let number =
        |k: &str| -> Result<u64, BadLine> { num(need(k)?).ok_or_else(|| bad(&format!("`{k}=` is not a number"))) };
    match kind {
        Kind::Kmalloc | Kind::CacheAlloc => {
            ev.ptr = number("ptr")?;
            ev.bytes_req = number("bytes_req")? as u32;
            ev.bytes_alloc = number("bytes_alloc")? as u32;
            if kind == Kind::CacheAlloc && ev.cache.is_none() {
                return Err(bad("kmem_cache_alloc without `name=`"));
            }
        }
        Kind::Kfree | Kind::CacheFree => ev.ptr = number("ptr")?,
        Kind::PageAlloc | Kind::PageFree => {
            ev.ptr = number("pfn")?;
            ev.order = u8::try_from(number("order")?).map_err(|_| bad("order out of range"))?;
        }
    }
    Ok(Some(ev))
}

/// Parse a whole trace: events in order, and the lines that could not be read.
pub fn parse(text: &str) -> (Vec<TraceEvent>, Vec<BadLine>) {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        match parse_line(l, (i + 1) as u32) {
            Ok(Some(e)) => events.push(e),
            Ok(None) => {}
            Err(b) => bad.push(b),
        }
    }
    (events, bad)
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Events by tracepoint.
    pub by_kind: BTreeMap<&'static str, u64>,
    /// Frees of objects or pages the trace never saw allocated.
    pub unmatched_frees: u64,
    /// `ptr=(nil)` frees.
    pub nil_frees: u64,
    /// Allocations of a pointer that was still live in the trace (a missed free).
    pub reused_live: u64,
    /// Operations the simulated machine refused (out of memory), with the trace line.
    pub failed: Vec<(u32, String)>,
    /// Malformed lines.
    pub bad_lines: Vec<BadLine>,
    /// Traced CPUs seen.
    pub traced_cpus: u16,
    /// Σ bytes_req and Σ bytes_alloc of kmalloc and kmem_cache_alloc.
    pub bytes_req: u64,
    /// See `bytes_req`.
    pub bytes_alloc: u64,
    /// Caches created from the trace.
    pub caches_created: u64,
}

impl Report {
    /// Internal fragmentation: the fraction of allocated bytes nobody asked for.
    pub fn internal_fragmentation(&self) -> f64 {
        if self.bytes_alloc == 0 {
            0.0
        } else {
            1.0 - self.bytes_req as f64 / self.bytes_alloc as f64
        }
    }
}

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

/// Replays trace events one by one into a session (so a UI can show progress between chunks).
pub struct Replayer {
    session: Session,
    report: Report,
    // Live traced pointers -> binding name; separate spaces for slab objects and pages.
    objects: HashMap<u64, crate::event::Sym>,
    pages: HashMap<u64, crate::event::Sym>,
    generation: HashMap<u64, u32>,
    caches: HashMap<String, crate::event::Sym>,
}

impl Replayer {
    /// Start on `session`, after running `prelude` (e.g. [`slabinfo_to_script`] output).
    pub fn new(mut session: Session, prelude: &str, bad_lines: Vec<BadLine>) -> Replayer {
        let prog = crate::script::parse(prelude, session.names_mut()).unwrap_or_default();
        let mut caches = HashMap::new();
        for (op, &line) in prog.ops.iter().zip(&prog.lines) {
            if let (Op::CacheCreate { name, .. }, Ok(_)) = (op, session.push(*op, line)) {
                caches.insert(session.names().name(*name).to_string(), *name);
            }
        }
        Replayer {
            session,
            report: Report { bad_lines, ..Default::default() },
            objects: HashMap::new(),
            pages: HashMap::new(),
            generation: HashMap::new(),
            caches,
        }
    }

    fn fresh(&mut self, ptr: u64, prefix: &str) -> crate::event::Sym {
        let g = self.generation.entry(ptr).or_insert(0);
        *g += 1;
        self.session.names_mut().intern(&format!("{prefix}{ptr:x}.{g}"))
    }

    /// Replay one event.
    pub fn feed(&mut self, ev: &TraceEvent) {
        let config = self.session.config().clone();
        *self.report.by_kind.entry(ev.kind.name()).or_default() += 1;
        self.report.traced_cpus = self.report.traced_cpus.max(ev.cpu + 1);
        let cpu = Some(ev.cpu % config.cpus);
        let node = u8::try_from(ev.node).ok().filter(|&n| n < config.nodes);
        let op = match ev.kind {
            Kind::Kmalloc | Kind::CacheAlloc => {
                self.report.bytes_req += u64::from(ev.bytes_req);
                self.report.bytes_alloc += u64::from(ev.bytes_alloc);
                if self.objects.remove(&ev.ptr).is_some() {
                    self.report.reused_live += 1;
                }
                let name = self.fresh(ev.ptr, "o");
                self.objects.insert(ev.ptr, name);
                let target = Target::Name { name };
                if ev.kind == Kind::Kmalloc {
                    Op::Kmalloc { size: ev.bytes_req.max(1), cpu, node, target }
                } else {
                    let label = ev.cache.clone().expect("checked by the parser");
                    let cache = match self.caches.get(&label) {
                        Some(&c) => c,
                        None => {
                            let c = self.session.names_mut().intern(&label);
                            let create = Op::CacheCreate {
                                name: c,
                                size: ev.bytes_req.max(1),
                                align: 0,
                                flags: CacheFlags::default(),
                            };
                            match self.session.push(create, ev.line) {
                                Ok(_) => self.report.caches_created += 1,
                                Err(e) => self.report.failed.push((ev.line, e.to_string())),
                            }
                            self.caches.insert(label, c);
                            c
                        }
                    };
                    Op::CacheAlloc { cache, cpu, node, target }
                }
            }
            Kind::Kfree | Kind::CacheFree => {
                if ev.ptr == 0 {
                    self.report.nil_frees += 1;
                    return;
                }
                match self.objects.remove(&ev.ptr) {
                    Some(name) if ev.kind == Kind::Kfree => Op::Kfree { what: Ref::Name { name }, cpu },
                    Some(name) => Op::CacheFree { what: Ref::Name { name }, cpu },
                    None => {
                        self.report.unmatched_frees += 1;
                        return;
                    }
                }
            }
            Kind::PageAlloc => {
                if self.pages.remove(&ev.ptr).is_some() {
                    self.report.reused_live += 1;
                }
                let name = self.fresh(ev.ptr, "p");
                self.pages.insert(ev.ptr, name);
                Op::PagesAlloc {
                    order: ev.order.min(crate::machine::MAX_PAGE_ORDER),
                    node,
                    cpu,
                    target: Target::Name { name },
                }
            }
            Kind::PageFree => match self.pages.remove(&ev.ptr) {
                Some(name) => Op::PagesFree { what: Ref::Name { name }, cpu },
                None => {
                    self.report.unmatched_frees += 1;
                    return;
                }
            },
        };
        if let Err(e) = self.session.push(op, ev.line) {
            // The allocation did not happen in the simulation: forget its pointer.
            if let OpError::OutOfMemory { .. } | OpError::BadSize { .. } = e {
                self.objects.remove(&ev.ptr);
                self.pages.remove(&ev.ptr);
            }
            self.report.failed.push((ev.line, e.to_string()));
        }
    }

    /// The session so far.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session and report.
    pub fn finish(self) -> (Session, Report) {
        (self.session, self.report)
    }
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

    #[test]
    fn malformed_lines_are_located() {
        let (ev, bad) = parse("garbage\nperf 1 [x] 1.0: kmem:kfree: ptr=0x1\nperf 1 [000] 1.0: kmem:kmalloc: ptr=0x10\n\nperf 1 [000] 1.0: kmem:kfree: ptr=0x10\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(bad[2].reason.contains("bytes_req"), "{}", bad[2]);
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

//! Where the time and the memory of a trace replay go (issue #18): `cargo bench -p
//! slabscope-core --bench trace_phases -- FILE` on a plain `perf script` kmem trace (e.g. from
//! `slabscope gen-trace`). Prints the CPU time (this thread's, from `/proc/thread-self/schedstat`) of each phase — line splitting, parsing (UTF-8 +
//! fields), the whole streaming load (parse + interning + replay), the session's pushes alone (the
//! same ops into a fresh session: simulation + recording) and the simulation alone — and the
//! bytes the loaded `TraceSession` retains, counted by a wrapping global allocator, split into
//! facts, op list and the rest (checkpoints, head state, names).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use slabscope_core::event::CountSink;
use slabscope_core::machine::MachineConfig;
use slabscope_core::session::Session;
use slabscope_core::sim::Sim;
use slabscope_core::trace::{self, Boot, Limits, Loader};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let now = LIVE.fetch_add(new, Ordering::Relaxed) + new;
        PEAK.fetch_max(now, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU time of this thread in seconds (`/proc/thread-self/schedstat`: ns on a CPU), so that the
/// phases are comparable on a loaded machine; wall-clock time when that file is missing.
fn cpu_now() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

#[derive(Clone, Copy)]
struct Clock(Instant, Option<u64>);

impl Clock {
    fn now() -> Clock {
        Clock(Instant::now(), cpu_now())
    }
}

fn secs(t: Clock) -> f64 {
    match (t.1, cpu_now()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e9,
        _ => t.0.elapsed().as_secs_f64(),
    }
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench -p slabscope-core --bench trace_phases -- FILE");
        return;
    };
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lines = memchr::memchr_iter(b'\n', &text).count();

    let t = Clock::now();
    let mut n = 0usize;
    let mut field5 = 0usize;
    for l in text.split(|&b| b == b'\n') {
        n += 1;
        // What `awk '{c[$5]++}'` does besides counting: find the fifth field.
        field5 += l.split(|&b| b == b' ').filter(|f| !f.is_empty()).nth(4).map_or(0, <[u8]>::len);
    }
    let split = secs(t);
    std::hint::black_box((n, field5));

    let t = Clock::now();
    let mut events = 0usize;
    for l in text.split(|&b| b == b'\n') {
        if let Ok(s) = std::str::from_utf8(l) {
            events += usize::from(matches!(trace::parse_raw(s), Ok(Some(_))));
        }
    }
    let parse = secs(t);

    let config = MachineConfig { mem_bytes: 256 << 20, ..Default::default() };
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let t = Clock::now();
    let mut loader = Loader::new(Boot::Config { config, auto_cpus: true }, "", Limits::default()).unwrap();
    for c in text.chunks(1 << 16) {
        loader.feed(c).unwrap();
    }
    let ts = loader.finish().unwrap();
    let load = secs(t);
    let retained = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;

    let s = &ts.session;
    let t = Clock::now();
    let mut fresh = Session::with_names(s.config().clone(), s.names().clone()).unwrap();
    fresh.set_checkpoint_budget(trace::TRACE_CHECKPOINT_BYTES_PER_OP);
    for k in 0..s.op_count() {
        fresh.push(*s.op(k).unwrap(), s.op_line(k)).unwrap();
    }
    let push = secs(t);
    drop(fresh);

    // `TRACE_PHASES_SIM_REPEAT=N`: the simulation alone N times (for a profile of it).
    let repeat: usize = std::env::var("TRACE_PHASES_SIM_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut exec = f64::MAX;
    for _ in 0..repeat.max(1) {
        let t = Clock::now();
        let mut sim = Sim::boot(s.config().clone()).unwrap();
        for k in 0..s.op_count() {
            sim.exec_at(s.op(k).unwrap(), s.names(), s.op_line(k), &mut CountSink::default()).unwrap();
        }
        exec = exec.min(secs(t));
        drop(sim);
    }

    let ev = ts.facts.len().max(1) as f64;
    let rate = |x: f64| events as f64 / x.max(1e-9);
    println!("{path}: {lines} lines, {events} events, {} retained, {} ops", ts.facts.len(), s.op_count());
    println!("split lines + 5th field  {split:>7.3} s  {:>12.0} events/s", rate(split));
    println!("parse (utf-8 + fields)   {parse:>7.3} s  {:>12.0} events/s", rate(parse));
    println!("whole load               {load:>7.3} s  {:>12.0} events/s", rate(load));
    println!("  session pushes alone   {push:>7.3} s  (simulation + recording)");
    println!("  simulation alone       {exec:>7.3} s");
    println!("  interning + replayer   {:>7.3} s  (load - parse - pushes)", (load - parse - push).max(0.0));
    let facts = ts.facts.approx_bytes();
    let ops = s.approx_op_bytes();
    println!(
        "retained {retained} bytes = {:.1} B/event (facts {:.1}, op list {:.1}, rest {:.1}: checkpoints {}, state, names); peak during load {:.1} B/event",
        retained as f64 / ev,
        facts as f64 / ev,
        ops as f64 / ev,
        retained.saturating_sub(facts + ops) as f64 / ev,
        s.checkpoint_count(),
        peak as f64 / ev,
    );
    // What one more checkpoint of the head state copies whole (bytes the clone allocates; the
    // machine's frames and pages are shared copy-on-write, so its clone is only the chunk tables).
    let head = s.head();
    let cloned = |f: &dyn Fn()| {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        f();
        PEAK.load(Ordering::Relaxed) - before
    };
    println!(
        "a clone of the head state allocates {} B: machine {}, buddy {}, pcp {}, bindings {}, slab {}, superslab {}",
        cloned(&|| drop(std::hint::black_box(head.clone()))),
        cloned(&|| drop(std::hint::black_box(head.machine.clone()))),
        cloned(&|| drop(std::hint::black_box(head.buddy.clone()))),
        cloned(&|| drop(std::hint::black_box(head.pcp.clone()))),
        cloned(&|| drop(std::hint::black_box(head.bindings.clone()))),
        cloned(&|| drop(std::hint::black_box(head.slab.clone()))),
        cloned(&|| drop(std::hint::black_box(head.superslab.clone()))),
    );
    println!(
        "head: {} materialised pages; checkpoints {} at {:?}; longest replay {} ops; estimated checkpoint bytes {}",
        head.machine.mem.materialised_pages(),
        s.checkpoint_count(),
        &s.checkpoint_ops()[..s.checkpoint_count().min(12)],
        s.max_replay_ops(),
        s.approx_checkpoint_bytes()
    );
    // What G ops after the middle change (copy-on-write cost of a checkpoint G ops after another).
    let a = s.op_count() / 2;
    for g in [1024usize, 4096, 16384] {
        let base = s.state_before(a);
        let mut sim = base.clone();
        let mut names = std::collections::HashSet::new();
        for k in a..(a + g).min(s.op_count()) {
            let op = s.op(k).unwrap();
            sim.exec_at(op, s.names(), s.op_line(k), &mut CountSink::default()).unwrap();
            use slabscope_core::op::{Op, Ref, Target};
            match *op {
                Op::Kmalloc { target: Target::Name { name }, .. }
                | Op::CacheAlloc { target: Target::Name { name }, .. }
                | Op::PagesAlloc { target: Target::Name { name }, .. }
                | Op::Kfree { what: Ref::Name { name }, .. }
                | Op::CacheFree { what: Ref::Name { name }, .. }
                | Op::PagesFree { what: Ref::Name { name }, .. } => {
                    names.insert(name);
                }
                _ => {}
            }
        }
        let chunks = |c: u32| names.iter().map(|n| n / c).collect::<std::collections::HashSet<_>>().len();
        println!(
            "{g} ops after op {a}: machine unshared {} B; {} names touched, chunks of 8/32/128: {}/{}/{}; names in all {}",
            sim.machine.unshared_bytes(&base.machine),
            names.len(),
            chunks(8),
            chunks(32),
            chunks(128),
            s.names().len()
        );
    }
}

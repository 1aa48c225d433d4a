//! Seek at scale (issue #18 item 2, s6-tracew): figures of a 2,000,000-event synthetic trace
//! session — checkpoints, the longest replay a seek can need and what it costs. A measurement,
//! not a timed test: `cargo test --release -p slabscope-core --test seek_scale -- --ignored
//! --nocapture`.

use std::time::Instant;

use slabscope_core::machine::MachineConfig;
use slabscope_core::trace::{Boot, Limits, Loader, Synthetic, TraceSession};

fn synthetic_session(events: usize) -> TraceSession {
    let config = MachineConfig { mem_bytes: 256 << 20, ..Default::default() };
    let limits = Limits { max_events: events + 1, ..Limits::default() };
    let mut l = Loader::new(Boot::Config { config, auto_cpus: true }, "", limits).unwrap();
    let mut g = Synthetic::new(1);
    let mut buf = String::new();
    for i in 0..events {
        g.next_line(&mut buf);
        if buf.len() > 1 << 20 || i + 1 == events {
            l.feed(buf.as_bytes()).unwrap();
            buf.clear();
        }
    }
    l.finish().unwrap()
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn seek_figures_at_two_million_events() {
    let events: usize = std::env::var("SEEK_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let t0 = Instant::now();
    let t = synthetic_session(events);
    let load = t0.elapsed();
    let first_checkpoints = t.session.approx_checkpoint_bytes();
    let retained = t.approx_bytes() + first_checkpoints;
    let mut s = t.session;
    let head = s.head();
    println!(
        "events {events}, ops {}, load {:.2} s; head: {} materialised pages, {} B bindings",
        s.op_count(),
        load.as_secs_f64(),
        head.machine.mem.materialised_pages(),
        head.bindings.approx_bytes()
    );
    let at = s.checkpoint_ops();
    println!("checkpoints {} at {:?}", at.len(), &at[..at.len().min(40)]);
    let worst = s.max_replay_ops();
    println!(
        "longest replay {worst} ops; checkpoints hold ~{} bytes = {:.1} B/op",
        s.approx_checkpoint_bytes(),
        s.approx_checkpoint_bytes() as f64 / s.op_count() as f64
    );
    // The far seeks: the op before each checkpoint (the most ops after the one before it), the end.
    let mut targets: Vec<usize> = at.iter().skip(1).map(|&c| c - 1).collect();
    targets.push(s.op_count() - 1);
    let (mut max_ms, mut max_k) = (0f64, 0);
    for &k in &targets {
        s.seek(0);
        let step = s.op_events_range(k).end;
        let t1 = Instant::now();
        s.seek(step);
        let ms = t1.elapsed().as_secs_f64() * 1e3;
        if ms > max_ms {
            (max_ms, max_k) = (ms, k);
        }
    }
    println!("worst seek {max_ms:.1} ms (to op {max_k}); {:.0} ns per replayed op", max_ms * 1e6 / worst.max(1) as f64);
    // The second level, as the page makes it: the charts' replay leaves checkpoints within
    // what is left of 64 bytes per event (a few bytes per event are kept for the web's indexes).
    let budget = events * 64;
    let extra = budget.saturating_sub(retained + events * 8);
    let gap = s.checkpoint_gap_for(extra);
    println!(
        "retained {retained} B = {:.1} B/event; room {extra} B; second-level gap {gap:?}",
        retained as f64 / events as f64
    );
    if let Some(gap) = gap {
        let mut b = slabscope_core::timeline::series::SeriesBuilder::new(&s, 200);
        let t2 = Instant::now();
        while !b.step(&s, 4096) {
            b.checkpoint_into(&mut s, gap);
        }
        println!(
            "after the charts' replay ({:.2} s): {} checkpoints, longest replay {} ops, checkpoints ~{:.1} B/op, total {:.1} B/event",
            t2.elapsed().as_secs_f64(),
            s.checkpoint_count(),
            s.max_replay_ops(),
            s.approx_checkpoint_bytes() as f64 / s.op_count() as f64,
            (retained - first_checkpoints + s.approx_checkpoint_bytes()) as f64 / events as f64
        );
    }
}

/// Every seek target of a trace session gives the state a replay from boot gives: at every
/// checkpoint boundary and one step either side, and at sampled steps in a scrambled order, with
/// checkpoints spaced by their measured copy-on-write cost (dense here: 1 byte per op, at most
/// 1000 ops apart).
#[test]
fn every_seek_target_equals_a_replay_from_boot() {
    use slabscope_core::session::Session;

    let t = synthetic_session(12_000);
    let src = &t.session;
    let mut s = Session::with_names(src.config().clone(), src.names().clone()).unwrap();
    s.set_interned_ops(true);
    s.set_checkpoint_budget(1);
    s.set_max_checkpoint_interval(1000);
    for k in 0..src.op_count() {
        s.push(*src.op(k).unwrap(), src.op_line(k)).unwrap();
    }
    assert_eq!(s.event_hash(), src.event_hash(), "the same events as the loaded trace");
    let at = s.checkpoint_ops();
    assert!(at.len() >= 4, "several checkpoints: {at:?}");
    assert!(s.max_replay_ops() <= 1000, "{}", s.max_replay_ops());
    assert!(s.approx_checkpoint_bytes() > 0);
    check_seeks(&mut s);
}

/// The second level: the charts' replay ([`SeriesBuilder`]) leaves checkpoints in a session
/// loaded with few, so the longest replay shrinks to the gap asked for — and every seek still
/// lands on the state of a replay from boot.
#[test]
fn checkpoints_left_by_the_charts_replay_bound_the_seeks() {
    use slabscope_core::timeline::series::SeriesBuilder;
    let mut t = synthetic_session(12_000);
    let s = &mut t.session;
    let before = s.max_replay_ops();
    assert!(before > 3000, "a loaded trace has few checkpoints: {:?}", s.checkpoint_ops());
    let bytes = s.approx_checkpoint_bytes();
    let series = s.series(50);
    let mut b = SeriesBuilder::new(s, 50);
    let mut added = 0;
    while !b.step(s, 97) {
        added += b.checkpoint_into(s, 2000);
    }
    assert_eq!(b.finish(), series, "the charts are the same");
    assert!(s.max_replay_ops() <= 2000 + 97, "longest replay {} ops (was {before})", s.max_replay_ops());
    assert_eq!(s.approx_checkpoint_bytes(), bytes + added);
    check_seeks(s);
}

fn check_seeks(s: &mut slabscope_core::session::Session) {
    use slabscope_core::sim::Sim;
    use slabscope_core::snapshot::Snapshot;
    let at = s.checkpoint_ops();
    let total = s.total_steps();
    let mut targets: Vec<u64> = Vec::new();
    for &k in &at[1..] {
        let step = s.op_events_range(k - 1).end;
        targets.extend([step - 1, step, step + 1]);
    }
    let mut x = 0x2545_f491_u64;
    for _ in 0..150 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        targets.push(x % (total + 1));
    }
    targets.extend([0, 1, total, total - 1]);
    // The reference: every event applied from boot, in order.
    let mut all = Vec::new();
    s.for_each_event(|_, e| all.push(e.clone()));
    let mut sorted = targets.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let mut reference = Sim::boot(s.config().clone()).unwrap();
    let (mut applied, mut expected) = (0u64, std::collections::BTreeMap::new());
    for &step in &sorted {
        while applied < step {
            reference.apply(&all[applied as usize]);
            applied += 1;
        }
        expected.insert(step, Snapshot::of(&reference, s.names()));
    }
    for step in targets {
        s.seek(step);
        assert_eq!(s.step(), step);
        assert_eq!(s.snapshot(), expected[&step], "state at step {step}");
    }
}

//! Where a far seek's time goes (issues #14 and #18, s11-seek): `cargo bench -p slabscope-core
//! --bench seek_parts [-- OPS]` builds the sandbox's seeded mixed-workload session (default
//! machine, `#wl=1,OPS,mixed`; 1,000,000 ops unless given) and prints its checkpoints, the time
//! of a clone of the state (what a restore costs), the replay cost per op, and random seeks
//! (p50 / p95 / max over 200, each from a random step: what a scrubber click costs), the same
//! seeks again with the states they replaced freed after each, untimed (s12-seek,
//! `Session::drop_retired`), and drags.

use std::time::Instant;

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::session::Session;
use slabscope_core::workload::{Generator, Mix, Rng};

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Print p50 / p95 / max of `ms`.
fn report(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let max = ms[ms.len() - 1];
    println!("{label} ({}): p50 {:.2} ms, p95 {:.2} ms, max {max:.2} ms", ms.len(), pct(&ms, 0.5), pct(&ms, 0.95));
}

fn main() {
    let ops: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let config = MachineConfig::default();
    let mut names = Names::default();
    let g = Generator::new(&config, 1, Mix::by_name("mixed").expect("preset"), &mut names);
    let t0 = Instant::now();
    let mut s = Session::with_names(config, names).expect("default config");
    for op in g.take(ops) {
        s.push(op, 0).expect("the workload never fails");
    }
    let build = t0.elapsed().as_secs_f64();
    println!(
        "{ops} ops, {} steps, built in {build:.2} s; {} checkpoints (~{:.1} B/op), longest replay {} ops",
        s.total_steps(),
        s.checkpoint_count(),
        s.approx_checkpoint_bytes() as f64 / ops as f64,
        s.max_replay_ops()
    );
    let t = Instant::now();
    let n = 50;
    for _ in 0..n {
        std::hint::black_box(s.head().clone());
    }
    println!("clone of the head state: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    let mut total_ops = 0;
    for k in (1..20).map(|i| i * ops / 20) {
        s.seek(0);
        let t1 = Instant::now();
        s.seek(s.op_events_range(k).end);
        std::hint::black_box(t1);
        total_ops += 1;
    }
    println!("{total_ops} far seeks in {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    // What a checkpoint `gap` ops after another costs, by part (in the middle of the session).
    for gap in [256usize, 1024, 4096, 16384] {
        let k = ops / 2;
        s.seek(s.op_events_range(k - 1).end);
        let a = s.sim().clone();
        s.seek(s.op_events_range(k + gap - 1).end);
        let b = s.sim().clone();
        println!(
            "checkpoint {gap} ops after another: machine {} B, bindings {} B, slab {:?} B",
            b.machine.unshared_bytes(&a.machine),
            b.bindings.unshared_bytes(&a.bindings),
            b.slab.clone_bytes(a.slab.as_ref())
        );
    }
    let total = s.total_steps();
    // Ops a seek to each random target replays from the nearest checkpoint at or before it
    // (the tail state and the states seeks keep aside): what the times below scale with,
    // independent of the machine's load.
    let at = s.checkpoint_ops();
    let mut probe = Rng::new(1);
    let mut replays: Vec<f64> = (0..200)
        .map(|_| {
            let k = s.op_of_event(probe.below(total + 1).saturating_sub(1)).unwrap_or(0);
            (k - at[at.partition_point(|&c| c <= k) - 1]) as f64
        })
        .collect();
    replays.sort_by(f64::total_cmp);
    println!(
        "ops replayed from the nearest checkpoint by the random seeks below: p50 {}, p95 {}, max {}",
        pct(&replays, 0.5),
        pct(&replays, 0.95),
        replays[replays.len() - 1]
    );
    let mut rng = Rng::new(1);
    let ms: Vec<f64> = (0..200)
        .map(|_| {
            let target = rng.below(total + 1);
            let t = Instant::now();
            s.seek(target);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    report("random seeks", ms);
    // The same seeks, the states each replaced freed after it, untimed (s12-seek: what a page
    // can do once the frame is painted, `Session::drop_retired`), and that freeing timed.
    s.drop_retired();
    let mut again = Rng::new(1);
    let (ms, drops): (Vec<f64>, Vec<f64>) = (0..200)
        .map(|_| {
            let target = again.below(total + 1);
            let t = Instant::now();
            s.seek(target);
            let seek = t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            s.drop_retired();
            (seek, t.elapsed().as_secs_f64() * 1e3)
        })
        .unzip();
    report("random seeks, replaced states freed after each (drop_retired)", ms);
    report("  drop_retired after them", drops);
    // A drag: from 20 random places, 10 moves each of ±0.1 % of the session (a pointer move).
    let mut ms = Vec::new();
    for _ in 0..20 {
        let mut at = rng.below(total + 1);
        s.seek(at);
        // The far seek's replaced states are freed untimed, as that seek freed them before
        // s12-seek (and as a page does after painting): else the first move pays for them.
        s.drop_retired();
        for _ in 0..10 {
            let d = total / 1000;
            at = if rng.below(2) == 0 { at.saturating_sub(d) } else { (at + d).min(total) };
            let t = Instant::now();
            s.seek(at);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    report("drag moves", ms);
}

//! Far seeks in a sandbox session (#14 item 3, s7-frame): the page's `#wl=SEED,COUNT,mixed`
//! session (default machine, seeded mixed workload) — its checkpoints, the longest replay a seek
//! can need, what the checkpoints hold, and the seek's time natively. A measurement, not a timed
//! test: `cargo test --release -p slabscope-core --test seek_sandbox -- --ignored --nocapture`
//! (`SEEK_OPS=200000` for another size).

use std::time::Instant;

#[allow(dead_code)]
mod common;

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::session::Session;
use slabscope_core::workload::{Generator, Mix};

fn sandbox_session(ops: usize) -> Session {
    let config = MachineConfig::default();
    let mut names = Names::default();
    let g = Generator::new(&config, 1, Mix::by_name("mixed").unwrap(), &mut names);
    let mut s = Session::with_names(config, names).unwrap();
    if let Some(cap) = std::env::var("SEEK_MAX_INTERVAL").ok().and_then(|v| v.parse().ok()) {
        s.set_max_checkpoint_interval(cap);
    }
    for op in g.take(ops) {
        s.push(op, 0).unwrap();
    }
    s
}

#[test]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
fn far_seek_figures() {
    let ops: usize = std::env::var("SEEK_OPS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let t0 = Instant::now();
    let mut s = sandbox_session(ops);
    let build = t0.elapsed();
    let head = s.head();
    println!(
        "ops {ops}, steps {}, build {:.2} s; head: {} materialised pages, {} B bindings",
        s.total_steps(),
        build.as_secs_f64(),
        head.machine.mem.materialised_pages(),
        head.bindings.approx_bytes()
    );
    let at = s.checkpoint_ops();
    let gaps: Vec<usize> = at.windows(2).map(|w| w[1] - w[0]).collect();
    println!("checkpoints {}; gaps (first 30) {:?}", at.len(), &gaps[..gaps.len().min(30)]);
    println!(
        "longest replay {} ops; checkpoints hold ~{} B = {:.1} B/op",
        s.max_replay_ops(),
        s.approx_checkpoint_bytes(),
        s.approx_checkpoint_bytes() as f64 / ops as f64
    );
    // The End key / a link without `step=` / a session just built: from step 0 to the end.
    let mut end_ms = Vec::new();
    for _ in 0..5 {
        s.seek(0);
        let t1 = Instant::now();
        s.seek(s.total_steps());
        end_ms.push(t1.elapsed().as_secs_f64() * 1e3);
    }
    end_ms.sort_by(f64::total_cmp);
    println!("seek to the end from step 0 (5): median {:.2} ms", end_ms[2]);
    // Scrubber clicks: the bench's spread of positions over 10–90 % of the session.
    let total = s.total_steps();
    let mut ms: Vec<f64> = Vec::new();
    for i in 0..50u64 {
        let step = (total as f64 * (0.1 + 0.8 * ((i * 37) % 50) as f64 / 49.0)) as u64;
        let t1 = Instant::now();
        s.seek(step);
        ms.push(t1.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    println!("scrubber-click seeks (50): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms", ms[25], ms[47], ms[49]);
    // What a checkpoint costs at a given gap near the end of the session (what `Session`
    // estimates: the machine's copy-on-write bytes not shared with the one before, and the
    // state cloned whole — bindings and per-object records, estimated as twice the bindings),
    // and what the bindings and the slab policy really hold unshared (s16).
    for gap in [1024usize, 4096, 16384, 65536] {
        let k = ops - gap;
        // The state after `k` ops, then the same state carried forward `gap` ops (sharing).
        s.seek(s.op_events_range(k - 1).end);
        let a = s.sim().clone();
        s.seek(s.total_steps());
        let b = s.sim().clone();
        println!(
            "gap {gap}: machine unshared {} B, bindings {} B ({} B unshared), slab {:?} B",
            b.machine.unshared_bytes(&a.machine),
            b.bindings.approx_bytes(),
            b.bindings.unshared_bytes(&a.bindings),
            b.slab.clone_bytes(a.slab.as_ref())
        );
    }
}

/// The tail state (s7-frame): a session with few checkpoints (1 byte per op of budget, so the
/// first interval spans the whole session) keeps a state near its end; seeks to the end and
/// around it replay from there, and land on the state a replay from boot gives.
#[test]
fn seeks_near_the_end_use_the_tail_state_and_match_a_replay_from_boot() {
    let config = MachineConfig::default();
    let mut names = Names::default();
    let g = Generator::new(&config, 7, Mix::by_name("mixed").unwrap(), &mut names);
    let mut s = Session::with_names(config.clone(), names).unwrap();
    s.set_checkpoint_budget(1);
    for op in g.take(10_000) {
        s.push(op, 0).unwrap();
    }
    let last_checkpoint = *s.checkpoint_ops().last().unwrap();
    assert!(s.op_count() - last_checkpoint > 8192, "few checkpoints: {:?}", s.checkpoint_ops());
    assert!(
        s.max_replay_ops() < s.op_count() - last_checkpoint,
        "the tail splits the stretch after the last checkpoint ({} ops)",
        s.max_replay_ops()
    );
    // Each target sought from step 0 (a far seek: from the tail or a checkpoint, never from the
    // cursor's kept states), then compared with a replay from boot.
    let total = s.total_steps();
    let mut targets: Vec<u64> = vec![total, total - 1, 1, total, total / 2, total - 3];
    targets.extend((1..=20).map(|i| total.saturating_sub(i * 701)));
    let from_zero: Vec<u64> = targets.iter().flat_map(|&t| [0, t]).collect();
    common::seeks_match_replay(&mut s, &from_zero).unwrap();
    // Cut the session before the tail and grow it again with other ops: the state kept past
    // the cut must never be used.
    s.truncate(last_checkpoint + 10);
    let config = s.config().clone();
    let g = Generator::new(&config, 8, Mix::by_name("pages").unwrap(), s.names_mut());
    for op in g.take(6_000) {
        if s.push(op, 0).is_err() {
            break;
        }
    }
    let end = s.total_steps();
    let from_zero: Vec<u64> = [end, end - 1, end - 2000, end - 4000].iter().flat_map(|&t| [0, t]).collect();
    common::seeks_match_replay(&mut s, &from_zero).unwrap();
}

/// A drag's bounded seek (s16, #14): `seek_within` replays at most its budget per call, lands on
/// states a plain seek gives, and reaches its target in as many calls as the replay takes.
#[test]
fn a_bounded_seek_goes_toward_its_target_and_lands_on_true_states() {
    let ops = 30_000;
    let mut s = sandbox_session(ops);
    let mut plain = sandbox_session(ops);
    let total = s.total_steps();
    let max_ops = 500;
    let mut x = 0x9e37_79b9_u64;
    let mut bounded = 0;
    for round in 0..12 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let target = if round == 0 { total } else { x % (total + 1) };
        let need = s.replay_ops_to(target);
        let mut calls = 0;
        loop {
            calls += 1;
            let before = s.step();
            let reached = s.seek_within(target, max_ops);
            // A true state: what a plain seek to the same step shows.
            plain.seek(s.step());
            assert_eq!(s.snapshot(), plain.snapshot(), "round {round}, call {calls}, step {}", s.step());
            if reached {
                assert_eq!(s.step(), target);
                break;
            }
            assert_ne!(s.step(), before, "no progress toward {target}");
            assert!(calls <= need / max_ops + 2, "{calls} calls for {need} ops of replay");
        }
        assert!(calls <= need / max_ops + 1, "round {round}: {calls} calls for {need} ops");
        assert_eq!(s.replay_ops_to(target), 0);
        bounded += usize::from(need > max_ops && calls > 1);
    }
    assert!(bounded >= 6, "the bound held in {bounded} of 12 far seeks");
    // Within reach: one call, a plain seek.
    let ahead = (s.step() + 40).min(total);
    assert!(s.replay_ops_to(ahead) <= max_ops);
    assert!(s.seek_within(ahead, max_ops));
    assert_eq!(s.step(), ahead);
    assert!(s.seek_within(0, max_ops) && s.step() == 0);
}

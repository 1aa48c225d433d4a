//! Issue #18 at scale (tracec): the compact op list of trace sessions (interned ops, line runs,
//! 4-byte event counts) behaves exactly as the plain one, and what a replayed trace retains stays
//! within its budget. On the 2000-line slice of the real fixture, concatenated so that addresses
//! repeat (missed frees across copies) and lines run past the first copy.

use slabscope_core::machine::MachineConfig;
use slabscope_core::oracle::fingerprint;
use slabscope_core::session::Session;
use slabscope_core::trace::{Boot, Limits, Loader, TraceSession, RETAINED_BYTES_PER_EVENT};

const SLICE: &str = include_str!("data/kmem-ls-sort-2000.perf.txt");

fn load(text: &str) -> TraceSession {
    let config = MachineConfig { mem_bytes: 256 << 20, ..Default::default() };
    let mut l = Loader::new(Boot::Config { config, auto_cpus: true }, "", Limits::default()).unwrap();
    for c in text.as_bytes().chunks(8191) {
        l.feed(c).unwrap();
    }
    l.finish().unwrap()
}

/// The same ops pushed into a plain session (ops and lines stored one by one).
fn plain_copy(s: &Session) -> Session {
    let mut p = Session::with_names(s.config().clone(), s.names().clone()).unwrap();
    for k in 0..s.op_count() {
        p.push(*s.op(k).unwrap(), s.op_line(k)).unwrap();
    }
    p
}

#[test]
fn compact_trace_sessions_seek_like_plain_ones() {
    let text = SLICE.repeat(3);
    let mut t = load(&text);
    let mut plain = plain_copy(&t.session);
    let s = &mut t.session;
    assert_eq!(s.op_count(), plain.op_count());
    assert!(s.op_count() > 4000, "{}", s.op_count());
    for k in 0..s.op_count() {
        assert_eq!(
            (s.op(k), s.op_line(k), s.op_events_range(k)),
            (plain.op(k), plain.op_line(k), plain.op_events_range(k))
        );
    }
    assert_eq!(s.op(s.op_count()), None);
    assert_eq!(s.op_line(s.op_count()), 0);
    assert_eq!(s.total_steps(), plain.total_steps());
    assert_eq!(s.event_hash(), plain.event_hash());
    // Lines keep their gaps (nil frees and unmatched frees became no op) and cross the copies.
    let lines: Vec<u32> = (0..s.op_count()).map(|k| s.op_line(k)).collect();
    // (A cache's creation shares the line of its first allocation.)
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "trace ops are in line order");
    assert!(*lines.last().unwrap() > 4000 && lines.windows(2).any(|w| w[1] > w[0] + 1));
    // Seeks in both directions land on the same state, the same op and the same events.
    let total = s.total_steps();
    let mut x = 0x9e37_79b9_u64;
    for _ in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let step = x % (total + 1);
        s.seek(step);
        plain.seek(step);
        assert_eq!((s.step(), s.current_op()), (plain.step(), plain.current_op()), "step {step}");
        assert_eq!(s.current_op_events(), plain.current_op_events(), "step {step}");
        assert_eq!(fingerprint(s.sim(), s.names()), fingerprint(plain.sim(), plain.names()), "step {step}");
        if let Some(k) = s.op_of_event(step.saturating_sub(1)) {
            assert_eq!(Some(k), plain.op_of_event(step.saturating_sub(1)));
        }
    }
    // Truncating and pushing again keeps both in step.
    let k = s.op_count() / 2;
    s.truncate(k);
    plain.truncate(k);
    let show = slabscope_core::op::Op::Show { what: slabscope_core::op::ShowKind::Stats };
    for op in [show, *t.session.op(k - 1).unwrap(), show] {
        assert_eq!(t.session.push(op, 99_999).is_ok(), plain.push(op, 99_999).is_ok());
    }
    assert_eq!(t.session.op_count(), plain.op_count());
    assert_eq!(t.session.op_line(t.session.op_count() - 1), 99_999);
    assert_eq!(t.session.event_hash(), plain.event_hash());
    assert_eq!(t.session.series(50), plain.series(50));
}

#[test]
fn a_trace_session_retains_a_fraction_of_the_budget_in_facts_and_ops() {
    let text = SLICE.repeat(8);
    let t = load(&text);
    let events = t.facts.len();
    assert_eq!(events, 8 * (2000 - 219), "nil frees are not retained");
    // Facts (16 B/event + interning tables) and the op list (4 B id + 4 B event count + line
    // runs + the distinct ops) by capacity: well under the 64 B/event budget, which must also hold
    // the checkpoints and the simulated state (measured in BENCHMARKS.md).
    let facts = t.facts.approx_bytes() as f64 / events as f64;
    let ops = t.session.approx_op_bytes() as f64 / events as f64;
    // (On this small trace the interning tables are a large share of the facts.)
    assert!(facts < 32.0, "facts {facts:.1} B/event");
    assert!(ops < 16.0, "op list {ops:.1} B/event");
    assert!(facts + ops <= RETAINED_BYTES_PER_EVENT as f64 * 0.75, "{facts:.1} + {ops:.1}");
    // A plain op list of the same ops costs more than the compact one.
    assert!(plain_copy(&t.session).approx_op_bytes() > 2 * t.session.approx_op_bytes());
}

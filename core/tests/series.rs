//! `SeriesBuilder` (s5-tracew, issue 18): the session charts built a slice at a time are exactly
//! `Session::series`, and each sample is the state the session's checkpoints restore.

use slabscope_core::machine::MachineConfig;
use slabscope_core::session::{Sample, Session};
use slabscope_core::timeline::series::SeriesBuilder;

fn session() -> Session {
    let text = "repeat 300 { kmalloc 96 as=a[] }\nrepeat 120 { kfree a[*] }\n\
                repeat 40 { pages alloc order=2 as=p[] }\nrepeat 20 { pages free p[*] }\n\
                repeat 200 { kmalloc 512 as=b[] }\n";
    slabscope_core::script::load(text, &MachineConfig::default(), &[]).expect("script runs")
}

#[test]
fn any_slicing_gives_the_samples_of_the_states_it_passes() {
    let s = session();
    let n = s.op_count();
    assert!(n > 600);
    for samples in [1, 7, 200, 5000] {
        let whole = s.series(samples);
        for slice in [1, 3, 64, n] {
            let mut b = SeriesBuilder::new(&s, samples);
            let mut calls = 0;
            while !b.step(&s, slice) {
                calls += 1;
                assert!(calls <= n, "the builder advances");
            }
            assert_eq!(b.progress(), (n, n));
            assert_eq!(b.finish(), whole, "{samples} samples, slices of {slice}");
        }
        // An independent oracle: each sample is the state after `ops` ops as the session's own
        // checkpoints restore it.
        assert_eq!(whole.first().map(|x| x.ops), Some(0));
        assert_eq!(whole.last().map(|x| x.ops), Some(n));
        for smp in &whole {
            assert_eq!(*smp, Sample::of(&s.state_before(smp.ops), smp.ops, smp.step));
        }
    }
}

#[test]
fn the_observer_sees_every_op_once_in_order_with_its_state() {
    let s = session();
    let mut b = SeriesBuilder::new(&s, 10);
    let mut seen = Vec::new();
    while !b.step_observe(&s, 50, |k, op, sim| {
        assert_eq!(Some(op), s.op(k));
        if k % 97 == 0 {
            assert_eq!(sim.stats(), s.state_before(k + 1).stats(), "state after op {k}");
        }
        seen.push(k);
    }) {}
    assert_eq!(seen, (0..s.op_count()).collect::<Vec<_>>());
}

#[test]
fn an_empty_session_has_the_boot_sample() {
    let s = Session::new(MachineConfig::default()).unwrap();
    let mut b = SeriesBuilder::new(&s, 200);
    assert!(b.is_done());
    assert!(b.step(&s, 10));
    let v = b.finish();
    assert_eq!(v.len(), 1);
    assert_eq!(v, s.series(200));
}

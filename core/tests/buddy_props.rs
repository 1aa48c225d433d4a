//! Property tests: random op sequences against a simple model, invariants after every op,
//! failed ops change nothing, event prefixes give the intermediate states, and seeking in any
//! direction equals a straight run.

use proptest::prelude::*;
use slabscope_core::event::Event;
use slabscope_core::machine::{MachineConfig, Owner};
use slabscope_core::names::Names;
use slabscope_core::op::{Op, Ref, Target};
use slabscope_core::session::Session;
use slabscope_core::sim::{OpError, Sim};
use slabscope_core::snapshot::Snapshot;

#[derive(Clone, Debug)]
enum Act {
    Alloc { order: u8, node: Option<u8>, cpu: u16 },
    Free { pick: usize, cpu: u16 },
    FreeAll,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        4 => (0u8..=6, prop::option::of(0u8..2), 0u16..4).prop_map(|(order, node, cpu)| Act::Alloc { order, node, cpu }),
        3 => (any::<usize>(), 0u16..4).prop_map(|(pick, cpu)| Act::Free { pick, cpu }),
        1 => Just(Act::FreeAll),
    ]
}

fn config() -> impl Strategy<Value = MachineConfig> {
    (prop_oneof![Just(64u64), Just(256), Just(1024), Just(100)], 1u8..=2, any::<bool>()).prop_map(
        |(pages, nodes, pcp)| MachineConfig {
            mem_bytes: pages * 4096 * u64::from(nodes),
            nodes,
            cpus: 4,
            seed: 0,
            pcp,
            ..Default::default()
        },
    )
}

/// The model: which pages are in use, by whom. Page-granular, policy-free.
struct Model {
    used: Vec<Option<u32>>,
    live: Vec<(u32, u32, u8)>, // (name, pfn, order)
}

impl Model {
    /// Some node has an aligned run of free pages (the model can't see pcp-held pages: those
    /// count as free too, since the allocator can hand them out).
    fn fits(&self, cfg: &MachineConfig, order: u8) -> bool {
        let size = 1u32 << order;
        let ppn = cfg.pages_per_node();
        (0..cfg.nodes).any(|n| {
            let (start, end) = (u32::from(n) * ppn, u32::from(n + 1) * ppn);
            let mut p = start.next_multiple_of(size);
            while p + size <= end {
                if (p..p + size).all(|q| self.used[q as usize].is_none()) {
                    return true;
                }
                p += size;
            }
            false
        })
    }
}

fn run_case(cfg: MachineConfig, acts: Vec<Act>) -> Result<(), TestCaseError> {
    let mut names = Names::default();
    let list = names.intern("p");
    let mut session = Session::with_names(cfg.clone(), names).unwrap();
    let mut model = Model { used: vec![None; cfg.total_pages() as usize], live: Vec::new() };
    let mut next_name = 0;
    for a in acts {
        let before = Snapshot::of(session.head(), session.names());
        let op = match a {
            Act::Alloc { order, node, cpu } => {
                let name = session.names_mut().intern(&format!("n{next_name}"));
                next_name += 1;
                Op::PagesAlloc {
                    order,
                    node: node.filter(|&n| n < cfg.nodes),
                    cpu: Some(cpu),
                    target: Target::Name { name },
                }
            }
            Act::Free { pick, cpu } => {
                if model.live.is_empty() {
                    // Freeing an unbound name must fail and change nothing.
                    let ghost = session.names_mut().intern("ghost");
                    Op::PagesFree { what: Ref::Name { name: ghost }, cpu: Some(cpu) }
                } else {
                    let (name, _, _) = model.live[pick % model.live.len()];
                    Op::PagesFree { what: Ref::Name { name }, cpu: Some(cpu) }
                }
            }
            Act::FreeAll => Op::PagesFree { what: Ref::All { name: list }, cpu: None },
        };
        let pre = session.head().clone();
        let result = session.push(op, 1);
        match (&a, &result) {
            (Act::Alloc { order, .. }, Ok(_)) => {
                let Op::PagesAlloc { target: Target::Name { name }, .. } = op else { unreachable!() };
                let pfn = session.snapshot_head_binding(name).expect("allocated value is bound");
                prop_assert_eq!(pfn % (1 << order), 0, "allocation aligned to its order");
                for q in pfn..pfn + (1 << order) {
                    prop_assert!(model.used[q as usize].is_none(), "page {} handed out twice", q);
                    model.used[q as usize] = Some(name);
                }
                model.live.push((name, pfn, *order));
            }
            (Act::Alloc { order, .. }, Err(e)) => {
                prop_assert_eq!(e, &OpError::OutOfMemory { order: *order });
                prop_assert!(!model.fits(&cfg, *order), "OOM although an aligned free run of order {} exists", order);
            }
            (Act::Free { .. }, Ok(_)) => {
                let Op::PagesFree { what: Ref::Name { name }, .. } = op else { unreachable!() };
                let i = model.live.iter().position(|l| l.0 == name).expect("freed a live name");
                let (_, pfn, order) = model.live.swap_remove(i);
                for q in pfn..pfn + (1 << order) {
                    model.used[q as usize] = None;
                }
            }
            (Act::Free { .. }, Err(e)) => {
                prop_assert!(model.live.is_empty(), "free of a live name failed: {}", e);
            }
            (Act::FreeAll, r) => prop_assert!(r.is_err(), "p was never bound"),
        }
        if result.is_err() {
            prop_assert_eq!(&before, &Snapshot::of(session.head(), session.names()), "failed op changed state");
        } else {
            // Applying the op's events one by one to the pre-state gives the post-state.
            let k = session.op_count() - 1;
            let events = session.events_of_op(k);
            let mut replay: Sim = pre;
            for ev in &events {
                replay.apply(ev);
            }
            prop_assert_eq!(
                Snapshot::of(&replay, session.names()),
                Snapshot::of(session.head(), session.names()),
                "events do not describe the state change"
            );
        }
        session.head().check().map_err(TestCaseError::fail)?;
    }
    // Free everything: the machine returns to its boot picture.
    let live: Vec<u32> = model.live.iter().map(|l| l.0).collect();
    for name in live {
        session.push(Op::PagesFree { what: Ref::Name { name }, cpu: Some(0) }, 1).unwrap();
        session.head().check().map_err(TestCaseError::fail)?;
    }
    if !cfg.pcp {
        let boot = Sim::boot(cfg).unwrap();
        prop_assert_eq!(boot.buddy.buddyinfo(), session.head().buddy.buddyinfo());
    }
    Ok(())
}

trait HeadBinding {
    fn snapshot_head_binding(&self, name: u32) -> Option<u32>;
}

impl HeadBinding for Session {
    fn snapshot_head_binding(&self, name: u32) -> Option<u32> {
        match self.head().bindings.get(name)? {
            slabscope_core::names::Binding::One(slabscope_core::names::Value::Pages { pfn, .. }) => Some(*pfn),
            _ => None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_ops_match_the_model(cfg in config(), acts in prop::collection::vec(act(), 1..120)) {
        run_case(cfg, acts)?;
    }

    #[test]
    fn seeking_anywhere_equals_a_straight_run(
        cfg in config(),
        acts in prop::collection::vec(act(), 1..60),
        targets in prop::collection::vec(any::<u64>(), 1..25),
    ) {
        let mut names = Names::default();
        let mut session = Session::with_names(cfg.clone(), std::mem::take(&mut names)).unwrap();
        let mut live = Vec::new();
        for (i, a) in acts.iter().enumerate() {
            let op = match *a {
                Act::Alloc { order, node, cpu } => {
                    let name = session.names_mut().intern(&format!("n{i}"));
                    Op::PagesAlloc { order, node: node.filter(|&n| n < cfg.nodes), cpu: Some(cpu), target: Target::Name { name } }
                }
                Act::Free { pick, cpu } if !live.is_empty() => {
                    let name = live.swap_remove(pick % live.len());
                    Op::PagesFree { what: Ref::Name { name }, cpu: Some(cpu) }
                }
                _ => Op::Show { what: slabscope_core::op::ShowKind::Buddyinfo },
            };
            if session.push(op, 1).is_ok() {
                if let Op::PagesAlloc { target: Target::Name { name }, .. } = op { live.push(name); }
            }
        }
        // Reference: every intermediate state, by applying all events in order from boot.
        let mut all: Vec<Event> = Vec::new();
        session.for_each_event(|_, e| all.push(e.clone()));
        prop_assert_eq!(all.len() as u64, session.total_steps());
        let total = session.total_steps();
        for t in targets {
            let step = t % (total + 1);
            session.seek(step);
            prop_assert_eq!(session.step(), step);
            let mut reference = Sim::boot(cfg.clone()).unwrap();
            for ev in &all[..step as usize] { reference.apply(ev); }
            prop_assert_eq!(
                Snapshot::of(session.sim(), session.names()),
                Snapshot::of(&reference, session.names()),
                "state at step {} differs", step
            );
            prop_assert_eq!(session.current_event(), step.checked_sub(1).map(|i| &all[i as usize]));
        }
    }
}

#[test]
fn owner_is_recorded_on_the_frame() {
    let mut names = Names::default();
    let a = names.intern("a");
    let mut s = Session::with_names(MachineConfig::default(), names).unwrap();
    s.push(Op::PagesAlloc { order: 2, node: None, cpu: None, target: Target::Name { name: a } }, 1).unwrap();
    let snap = Snapshot::of(s.head(), s.names());
    let used: Vec<_> = snap
        .blocks
        .iter()
        .filter(|b| matches!(b.state, slabscope_core::snapshot::BlockState::Used { owner: Owner::Pages { name } } if name == a))
        .collect();
    assert_eq!(used.len(), 1);
    assert_eq!((used[0].pfn, used[0].order), (0, 2));
}

//! Per-CPU page lists against Linux 6.18 mm/page_alloc.c: `zone_highsize`,
//! `free_pcppages_bulk`, and the CPU a discarded slab's pages go to.

#[allow(dead_code)]
mod common;

use slabscope_core::event::Event;
use slabscope_core::machine::MachineConfig;
use slabscope_core::pcp::{low_wmark_pages, Pcp};

fn run(src: &str) -> Vec<Event> {
    common::run_ops(src).1
}

#[test]
fn high_is_split_over_the_node_cpus_only() {
    // zone_highsize: "nr_split_cpus = cpumask_weight(cpumask_of_node(zone_to_nid(zone))) +
    // cpu_online;" with cpu_online 0 once every CPU is up: 320 / 4 = 80 on a 4-CPU node.
    let c = MachineConfig::default();
    assert_eq!(c.cpus_of_node(0).count(), 4);
    assert_eq!(Pcp::new(&c).high(0), low_wmark_pages(&c) / 4);
    assert_eq!(Pcp::new(&c).high(0), 80);
    // Two nodes of two CPUs: each zone's low watermark split over its own two CPUs.
    let c = MachineConfig { nodes: 2, ..MachineConfig::default() };
    let high = Pcp::new(&c).high(1);
    assert_eq!(high, (low_wmark_pages(&c) / 2).max(Pcp::new(&c).batch(1) << 2));
}

#[test]
fn drain_starts_with_the_list_just_freed_to() {
    // free_pcppages_bulk: "/* Ensure requested pindex is drained first. */ pindex = pindex - 1;"
    // then "if (++pindex > NR_PCP_LISTS - 1) pindex = 0;": the first list drained is the one
    // the page was just freed to.
    let evs = run("config pcp=on
repeat 120 { pages alloc order=0 cpu=0 as=p[] }
repeat 8 { pages alloc order=1 cpu=0 as=q[] }
pages free q[*]
pages free p[*]
");
    let start = evs.iter().position(|e| matches!(e, Event::PcpDrainStart { .. })).expect("a drain");
    let first = evs[start..].iter().find_map(|e| match e {
        Event::PcpRemoved { order, .. } => Some(*order),
        _ => None,
    });
    assert_eq!(first, Some(0), "an order-0 free drains the order-0 list first");
}

#[test]
fn a_discarded_slab_goes_to_the_freeing_cpus_list() {
    // discard_slab -> free_slab -> __free_slab -> free_frozen_pages(page, order): the pages go
    // to the pcp list of the CPU that runs the free (here CPU 2), not the node's first CPU.
    let evs = run("config pcp=on
cache create big size=4096 flags=nomerge
repeat 256 { cache alloc big cpu=2 as=x[] }
cache free x[*] cpu=2
");
    let discarded: Vec<u32> = evs
        .iter()
        .filter_map(|e| match e {
            Event::SlabDiscard { pfn, .. } => Some(*pfn),
            _ => None,
        })
        .collect();
    assert!(!discarded.is_empty(), "empty slabs beyond min_partial are discarded");
    for pfn in discarded {
        let cpu = evs.iter().find_map(|e| match e {
            Event::PcpAdded { pfn: p, cpu, tail: false, .. } if *p == pfn => Some(*cpu),
            _ => None,
        });
        assert_eq!(cpu, Some(2), "slab {pfn}");
    }
}

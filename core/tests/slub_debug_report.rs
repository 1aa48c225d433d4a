//! slub_debug's kernel-log text and failure handling, pinned against Linux 7.0 mm/slub.c:
//! `check_bytes_and_report`, `__slab_bug`, `print_trailer`, `print_section`, `slab_fix`,
//! `on_freelist`, `validate_slab`, `alloc_debug_processing`, `free_debug_processing`.

#[allow(dead_code)]
mod common;

use slabscope_core::event::Event;
use slabscope_core::names::Names;
use slabscope_core::script;
use slabscope_core::sim::Sim;

/// Run a script; returns the simulation, the kernel log slub_debug printed, and the events.
fn run(src: &str) -> (Sim, String, Vec<Event>) {
    let (sim, events) = common::run_ops(src);
    let log: String = events.iter().filter_map(|e| sim.slub().unwrap().debug_text(e)).collect();
    (sim, log, events)
}

const SEPARATOR: &str = "=============================================================================\n";
const DASHES: &str = "-----------------------------------------------------------------------------\n\n";

#[test]
fn left_redzone_report_is_linux_text() {
    // The issue's repro: a freed object's free pointer is overwritten; validate cuts the
    // freelist, the count is fixed, and the first object now wrongly counted as allocated is
    // reported with its left red zone measured from the slab's base address.
    let (_, log, _) = run("config slub_debug=FZPU
kmalloc 64 as=a
kmalloc 64 as=b
kfree a
write a offset=72 len=8 byte=0x41
cache validate kmalloc-64
");
    // __slab_bug: pr_err("BUG %s (%s): %pV\n", s->name, print_tainted(), &vaf) between the
    // "====" and "----" lines; the first report precedes any taint.
    assert!(log.starts_with(&format!("{SEPARATOR}BUG kmalloc-64 (Not tainted): Freechain corrupt\n{DASHES}")), "{log}");
    // Every report taints the kernel (add_taint(TAINT_BAD_PAGE) + WARN_ON(1)): print_tainted()
    // prints one character per flag, 'G' for no proprietary module, 'B' and 'W'.
    assert!(log.contains(
        "BUG kmalloc-64 (Tainted: G    B   W          ): Wrong object count. Counter is 1 but counted were 15\n"
    ));
    assert_eq!(log.matches("Not tainted").count(), 1);
    assert_eq!(log.matches("BUG kmalloc-64 (").count(), 3, "one header per failed check:\n{log}");
    // pr_err("[%s overwritten] 0x%p-0x%p @offset=%tu. First byte 0x%x instead of 0x%x\n",
    //        what, fault, end - 1, fault - addr, fault[0], value);  addr = slab_address(slab)
    let detail = "[Left Redzone overwritten] 0xffff888000000200-0xffff88800000023f @offset=512. First byte 0xbb instead of 0xcc\n";
    let at = log.find(detail).expect("left red zone detail");
    // ... then object_err(s, slab, object, "Object corrupt") for the first failed check only,
    // then restore_bytes: slab_fix(s, "Restoring %s 0x%p-0x%p=0x%x", ...).
    let rest = &log[at + detail.len()..];
    assert!(rest.starts_with(&format!("{SEPARATOR}BUG kmalloc-64 (Tainted: G    B   W          ): Object corrupt\n")));
    assert!(rest.contains("FIX kmalloc-64: Restoring Left Redzone 0xffff888000000200-0xffff88800000023f=0xcc\n"));
    assert!(rest.contains(
        "[Right Redzone overwritten] 0xffff888000000280-0xffff888000000287 @offset=640. First byte 0xbb instead of 0xcc\n"
    ));
    assert_eq!(rest.matches("Object corrupt").count(), 1, "the second range of the object gets no header");
    // print_trailer: "Object 0x%p @offset=%tu fp=0x%p\n\n" and print_section's hex dump
    // (print_hex_dump(KERN_ERR, text, DUMP_PREFIX_ADDRESS, 16, 1, addr, length, 1)).
    assert!(log.contains("Object 0xffff888000000040 @offset=64 fp=0x4141414141414141\n\n"));
    assert!(log.contains("Redzone  ffff888000000080: bb bb bb bb bb bb bb bb                           ........\n"));
    assert!(
        log.contains("Object   ffff888000000070: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b a5   kkkkkkkkkkkkkkk.\n")
    );
    // print_track for the store-user tracks; never-used objects have zeroed tracks (init_tracking).
    assert!(log.contains("Allocated in line 1 age=0 cpu=0 pid=0\nFreed in line 3 age=0 cpu=0 pid=0\n"));
    assert_eq!(log.matches("Allocated in").count(), 1, "{log}");
    // print_slab_info: "Slab 0x%p objects=%u used=%u fp=0x%p flags=%pGp"
    assert!(log.contains("Slab 0xffffea0000000000 objects=16 used=1 fp=0xffff888000000040 flags="));
    assert!(!log.contains("validated"), "Linux's validate prints no summary line");
    assert!(!log.contains("18446744073709551"), "no unsigned underflow");
}

#[test]
fn validate_is_silent_on_a_clean_cache() {
    let (_, log, events) =
        run("config slub_debug=FZPU\nkmalloc 64 as=a\nkmalloc 64 as=b\nkfree a\ncache validate kmalloc-64\n");
    assert_eq!(log, "");
    assert!(events.iter().any(|e| matches!(e, Event::Validated { errors: 0, .. })));
}

#[test]
fn failed_free_check_leaks_the_object() {
    // free_debug_processing: "if (!checks_ok) slab_fix(s, "Object at 0x%p not freed", object);"
    // and free_to_partial_list frees nothing.
    let (sim, log, _) = run("config slub_debug=FZPU\nkmalloc 24 as=a\nwrite a offset=24 len=2 byte=0x41\nkfree a\n");
    assert!(log.contains("[kmalloc Redzone overwritten]"), "{log}");
    let fix = log.lines().last().unwrap();
    assert!(fix.starts_with("FIX kmalloc-32: Object at 0xffff888") && fix.ends_with(" not freed"), "{log}");
    let c = sim.slub().unwrap().cache_by_name("kmalloc-32").unwrap();
    assert_eq!(sim.slub().unwrap().cache(c).live, 1, "the object stays allocated");
    assert!(sim.slub().unwrap().leak_report().contains("1 object(s) allocated at line 1"));
}

#[test]
fn failed_alloc_check_disables_the_slab() {
    // alloc_debug_processing: "slab_fix(s, "Marking all objects used"); slab->inuse =
    // slab->objects; slab->freelist = NULL; slab->frozen = 1;" and get_from_partial_node moves
    // on (here: to a new slab). A later free into the disabled slab fails check_slab:
    // "Slab disabled since SLUB metadata consistency check failed", then "not freed".
    let (sim, log, _) = run("config slub_debug=FZPU
kmalloc 32 as=a
kmalloc 32 as=b
kfree b
write b offset=8 byte=0x00
kmalloc 32 as=c
kfree a
");
    assert!(log.contains("[Poison overwritten]") && log.contains("First byte 0x0 instead of 0x6b"), "{log}");
    assert!(log.contains("FIX kmalloc-32: Marking all objects used\n"), "{log}");
    assert!(log.contains("): Slab disabled since SLUB metadata consistency check failed\n"), "{log}");
    assert!(log.trim_end().ends_with("not freed"), "{log}");
    let slabs: Vec<_> = sim
        .slub()
        .unwrap()
        .slabs()
        .values()
        .filter(|s| s.cache == sim.slub().unwrap().cache_by_name("kmalloc-32").unwrap())
        .collect();
    assert_eq!(slabs.len(), 2, "c came from a new slab");
    assert_eq!(slabs.iter().filter(|s| s.disabled).count(), 1);
}

#[test]
fn freelist_random_uses_one_sequence_per_cache() {
    // CONFIG_SLAB_FREELIST_RANDOM: init_cache_random_seq makes s->random_seq once per cache;
    // shuffle_freelist starts each new slab at "pos = get_random_u32_below(freelist_count)" in
    // that sequence. So every slab's freelist is a rotation of the same cycle.
    let (sim, _, events) =
        run("config freelist_random=on\ncache create r size=512 flags=nomerge\nrepeat 40 { cache alloc r as=x[] }\n");
    let id = sim.slub().unwrap().cache_by_name("r").unwrap();
    let c = sim.slub().unwrap().cache(id);
    let seq = c.random_seq.clone();
    assert_eq!(seq.len() as u32, c.objects);
    let mut sorted = seq.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..c.objects).collect::<Vec<_>>(), "a permutation of the slots");
    assert_ne!(seq, sorted, "shuffled");
    // Each new slab's first allocation is some entry of the sequence, and the next ones follow
    // the sequence in order (debug flags are off: the cpu slab hands them out in freelist order).
    let allocs: Vec<(u32, u32)> = events
        .iter()
        .filter_map(|e| match e {
            Event::ObjectAlloc { cache, addr, .. } if *cache == id => {
                let s = sim.slub().unwrap().slab_of(*addr).unwrap();
                Some((s.pfn, c.object_index(s.pfn, s.objects, *addr).unwrap()))
            }
            _ => None,
        })
        .collect();
    let mut starts = Vec::new();
    for w in allocs.windows(2) {
        let ((p0, i0), (p1, i1)) = (w[0], w[1]);
        if p0 == p1 {
            let k = seq.iter().position(|&x| x == i0).unwrap();
            assert_eq!(seq[(k + 1) % seq.len()], i1, "slab {p0} follows the cache's sequence");
        } else {
            starts.push(i1);
        }
    }
    assert!(allocs.len() >= 40 && !starts.is_empty(), "several slabs were used");
}

#[test]
fn large_caches_get_linux_geometry() {
    // A real 6.18 host's /proc/slabinfo: "kvm_vcpu ... 51472 1 16 : ..." (objsize 51472,
    // 1 object per slab, 16 pages per slab). calculate_order: max_objects =
    // max(order_objects(slub_max_order, size), 1) = 1, min_order = get_order(51472) = 4, and
    // calc_slab_order cannot go below it: "order = get_order(size); if (order <= MAX_PAGE_ORDER)
    // return order;".
    let (sim, _, _) = run("cache create kvm_vcpu size=51472\ncache alloc kvm_vcpu as=v\n");
    let c = sim.slub().unwrap().cache(sim.slub().unwrap().cache_by_name("kvm_vcpu").unwrap());
    assert_eq!((c.layout.size, c.objects, c.order), (51472, 1, 4));
    assert!(sim.slub().unwrap().slabinfo().contains("kvm_vcpu"));
    // The largest slot is one MAX_PAGE_ORDER block (4 MiB); one byte more is refused.
    let (sim, _, _) = run("cache create huge size=4194304\n");
    assert_eq!(sim.slub().unwrap().cache(sim.slub().unwrap().cache_by_name("huge").unwrap()).order, 10);
    let mut names = Names::default();
    let prog = script::parse("cache create toobig size=4194305\n", &mut names);
    assert!(prog.is_err(), "the parser refuses more than KMALLOC_MAX_SIZE");
}
